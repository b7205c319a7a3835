#!/usr/bin/env node
// Type-checks Grafana dashboard JSON files against Grafana's published
// dashboard schema, the npm package @grafana/schema.
//
//   node check.js ../flink-checkpoint-overview.json ...
//
// For each file it writes a TypeScript module that assigns the JSON, as an
// object literal, to a constant of type Wire<Dashboard> (see wire.ts), and
// each panel to a constant of its plugin's panel type (time series, stat,
// table, text options and custom field configuration). It then compiles
// them all as `tsc --noEmit --strict` does, through TypeScript's compiler
// API: an unknown key (an excess property of an object literal), a missing
// required key, a wrong type or an unknown enum value is an error.
//
// It prints each error with its file and line, then one line per input:
//   RESULT <file> ok
//   RESULT <file> fail <errors>
// and exits 1 when any input failed, 2 on a usage error.
'use strict';

const fs = require('fs');
const path = require('path');
const ts = require('typescript');

// Panel plugins the dashboards may use, with the module of their published
// option types and the names of the types.
const composable = '@grafana/schema/dist/esm/raw/composable';
const plugins = {
  timeseries: { module: `${composable}/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen`, options: 'Options', custom: 'FieldConfig' },
  table: { module: `${composable}/table/panelcfg/x/TablePanelCfg_types.gen`, options: 'Options', custom: 'FieldConfig' },
  stat: { module: `${composable}/stat/panelcfg/x/StatPanelCfg_types.gen`, options: 'Options', custom: null },
  text: { module: `${composable}/text/panelcfg/x/TextPanelCfg_types.gen`, options: 'Options', custom: null },
};

function main(args) {
  if (args.length === 0) {
    console.error('usage: node check.js DASHBOARD.json...');
    return 2;
  }
  const work = fs.mkdtempSync(path.join(__dirname, '.generated-'));
  try {
    return check(args, work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function check(files, work) {
  const inputs = [];
  const failures = new Map();
  files.forEach((file, i) => {
    const text = fs.readFileSync(file, 'utf8');
    let dashboard;
    try {
      dashboard = JSON.parse(text);
    } catch (err) {
      console.log(`${file}: not JSON: ${err.message}`);
      failures.set(file, 1);
      return;
    }
    const source = path.join(work, `dashboard_${i}.ts`);
    const { code, panelLines, unknown } = moduleFor(text, dashboard);
    for (const msg of unknown) {
      console.log(`${file}: ${msg}`);
      failures.set(file, (failures.get(file) || 0) + 1);
    }
    fs.writeFileSync(source, code);
    inputs.push({ file, source, panelLines, dashboardLines: text.split('\n').length });
  });

  const program = ts.createProgram(inputs.map((i) => i.source), {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  });
  const global = ts.getPreEmitDiagnostics(program).filter((d) => !d.file);
  for (const d of global) {
    console.log(`typescript: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
  }
  for (const input of inputs) {
    const sf = program.getSourceFile(input.source);
    const diags = ts.getPreEmitDiagnostics(program, sf);
    for (const d of diags) {
      console.log(describe(input, d));
    }
    if (diags.length > 0) {
      failures.set(input.file, (failures.get(input.file) || 0) + diags.length);
    }
  }
  for (const file of files) {
    const n = failures.get(file) || 0;
    console.log(n === 0 ? `RESULT ${file} ok` : `RESULT ${file} fail ${n}`);
  }
  const schema = require('@grafana/schema/package.json').version;
  console.log(`checked ${files.length} dashboard(s) against @grafana/schema ${schema} with typescript ${ts.version}`);
  return failures.size > 0 || global.length > 0 ? 1 : 0;
}

// moduleFor writes the TypeScript module of one dashboard. The dashboard's
// JSON text starts on the module's first line, so that an error's line is
// the line of the JSON file; each panel follows with its plugin's type.
function moduleFor(text, dashboard) {
  const lines = [];
  const imports = [
    "import type { Dashboard } from '@grafana/schema';",
    "import type { Wire, PluginPanel, NoCustom } from '../wire';",
  ];
  const push = (chunk) => {
    lines.push(chunk);
    next += chunk.split('\n').length;
  };
  let next = 1; // line number of the next chunk
  push(`export const dashboard: Wire<Dashboard> = ${text.trimEnd()};`);
  const panelLines = [];
  const unknown = [];
  const used = new Set();
  for (const panel of panelsOf(dashboard)) {
    if (panel.type === 'row') {
      continue;
    }
    const plugin = plugins[panel.type];
    if (!plugin) {
      unknown.push(`panel ${panel.id} (${panel.title}): panel type ${JSON.stringify(panel.type)} has no published schema known to check.js`);
      continue;
    }
    used.add(panel.type);
    const custom = plugin.custom ? `${panel.type}.${plugin.custom}` : 'NoCustom';
    const body = JSON.stringify(panel, null, 2);
    panelLines.push({ start: next, end: next + body.split('\n').length - 1, panel });
    push(`export const panel_${lines.length}: Wire<PluginPanel<${panel.type}.${plugin.options}, ${custom}>> = ${body};`);
  }
  for (const type of [...used].sort()) {
    imports.push(`import type * as ${type} from '${plugins[type].module}';`);
  }
  // The imports go last, keeping the dashboard on the first lines.
  return { code: lines.concat(imports).join('\n') + '\n', panelLines, unknown };
}

function panelsOf(dashboard) {
  const out = [];
  for (const p of dashboard.panels || []) {
    out.push(p);
    if (p.type === 'row' && Array.isArray(p.panels)) {
      out.push(...p.panels);
    }
  }
  return out;
}

// describe names the JSON line of an error in the dashboard check, or the
// panel of an error in a panel check.
function describe(input, d) {
  const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n  ');
  if (d.file === undefined || d.start === undefined) {
    return `${input.file}: TS${d.code}: ${msg}`;
  }
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  if (line < input.dashboardLines) {
    return `${input.file}:${line + 1}:${character + 1}: TS${d.code}: ${msg}`;
  }
  const where = input.panelLines.find((p) => line + 1 >= p.start && line + 1 <= p.end);
  if (where) {
    const p = where.panel;
    return `${input.file}: panel ${p.id} (${p.title}) against the ${p.type} plugin schema, line ${line + 2 - where.start} of the panel: TS${d.code}: ${msg}`;
  }
  return `${input.file}: generated line ${line + 1}: TS${d.code}: ${msg}`;
}

process.exitCode = main(process.argv.slice(2));
