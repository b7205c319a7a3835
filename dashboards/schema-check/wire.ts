// Types that state the JSON form of Grafana's published dashboard schema.
//
// @grafana/schema describes dashboards with TypeScript enums, and a string
// literal read from JSON ("line") is not assignable to a string enum
// member (GraphThresholdsStyleMode.Line) although it is that member's
// value on the wire. Wire<T> replaces every string enum by the union of
// its values and leaves everything else as it is, so a dashboard's JSON
// is checked against exactly the schema's shapes: unknown keys of object
// literals fail (excess property checks) and so do wrong types and enum
// values.
import type { FieldConfig, FieldConfigSource, Panel } from '@grafana/schema';

export type Wire<T> = T extends string
  ? `${T}`
  : T extends number | boolean | null | undefined
    ? T
    : T extends ReadonlyArray<infer U>
      ? Array<Wire<U>>
      : T extends object
        ? { [K in keyof T]: Wire<T[K]> }
        : T;

// PluginPanel is a panel whose options and custom field configuration are
// those of one panel plugin's published schema (Options, FieldConfig of
// @grafana/schema's raw/composable/<plugin>/panelcfg types). The Dashboard
// type leaves both open (Record<string, unknown>); this closes them.
export type PluginPanel<O, F> = Omit<Panel, 'options' | 'fieldConfig'> & {
  options: O;
  fieldConfig: Omit<FieldConfigSource, 'defaults'> & {
    defaults: Omit<FieldConfig, 'custom'> & { custom?: F };
  };
};

// NoCustom is the custom field configuration of a plugin that has none.
export type NoCustom = Record<string, never>;
