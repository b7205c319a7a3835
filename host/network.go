package host

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// updateNetDev sends error and drop counts per interface from /proc/net/dev,
// skipping the loopback interface, whose traffic never leaves the host.
func (c *Collector) updateNetDev(ch chan<- prometheus.Metric) error {
	dev, err := c.proc.NetDev()
	if err != nil {
		return fmt.Errorf("read net/dev: %w", err)
	}
	names := make([]string, 0, len(dev))
	for name := range dev {
		if name != "lo" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		l := dev[name]
		ch <- prometheus.MustNewConstMetric(c.d.netRxErrors, prometheus.CounterValue, float64(l.RxErrors), name)
		ch <- prometheus.MustNewConstMetric(c.d.netTxErrors, prometheus.CounterValue, float64(l.TxErrors), name)
		ch <- prometheus.MustNewConstMetric(c.d.netRxDrops, prometheus.CounterValue, float64(l.RxDropped), name)
		ch <- prometheus.MustNewConstMetric(c.d.netTxDrops, prometheus.CounterValue, float64(l.TxDropped), name)
	}
	return nil
}

// updateSnmp sends the TCP retransmitted and sent segment counts from
// /proc/net/snmp.
func (c *Collector) updateSnmp(ch chan<- prometheus.Metric) error {
	data, err := os.ReadFile(filepath.Join(c.procPath, "net", "snmp"))
	if err != nil {
		return fmt.Errorf("read net/snmp: %w", err)
	}
	tcp, err := parseSnmpSection(data, "Tcp")
	if err != nil {
		return fmt.Errorf("parse net/snmp: %w", err)
	}
	retrans, ok := tcp["RetransSegs"]
	if !ok {
		return errors.New("parse net/snmp: Tcp RetransSegs missing")
	}
	out, ok := tcp["OutSegs"]
	if !ok {
		return errors.New("parse net/snmp: Tcp OutSegs missing")
	}
	ch <- prometheus.MustNewConstMetric(c.d.tcpRetrans, prometheus.CounterValue, retrans)
	ch <- prometheus.MustNewConstMetric(c.d.tcpOutSegs, prometheus.CounterValue, out)
	return nil
}

// parseSnmpSection returns the named fields of one protocol of a
// /proc/net/snmp file, which holds each protocol as a line of field names
// followed by a line of values, both prefixed with "<protocol>:".
//
// procfs offers this file only per process (Proc.Snmp, through
// /proc/<pid>/net/snmp), which needs /proc/self to resolve; /proc/net/snmp
// is the same file for the reading process's network namespace and is read
// here directly, as node_exporter's netstat collector does.
func parseSnmpSection(data []byte, protocol string) (map[string]float64, error) {
	prefix := protocol + ":"
	var lines [][]string
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 0 && fields[0] == prefix {
			lines = append(lines, fields[1:])
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	if len(lines) != 2 {
		return nil, fmt.Errorf("%s: want a header and a value line, found %d lines", protocol, len(lines))
	}
	names, values := lines[0], lines[1]
	if len(names) != len(values) {
		return nil, fmt.Errorf("%s: %d field names but %d values", protocol, len(names), len(values))
	}
	fields := make(map[string]float64, len(names))
	for i, name := range names {
		v, err := strconv.ParseFloat(values[i], 64)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", protocol, name, err)
		}
		fields[name] = v
	}
	return fields, nil
}
