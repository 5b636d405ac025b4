// `httptop --help`. The README's "Command line" section documents the same
// flags with an example each; keep the two in step.

export const helpText = `httptop: a top for HTTP endpoints. Live per-endpoint latency and throughput
from eBPF syscall tracepoints, without touching the programs.

Usage
  $ httptop [options]                 live view (needs a terminal)
  $ httptop --snapshot [options]      one report on stdout, then exit

Selection (--pid, --comm and --port are applied in the kernel)
  -p, --pid PID          trace only this process; repeat or comma-separate for more
      --comm NAME        trace only processes with this name (at most 15 bytes); repeatable
      --port PORT        trace only connections with this local or remote port; repeatable
      --container NAME   only processes in this container (name or short id); repeatable
      --role ROLE        server, client or both (default both)
  -F, --filter EXPR      keep what the expression matches, e.g. 'status>=500 method=POST';
                         fields: method route path status comm pid container host role
                         peer port tls protocol grpc grpcStatus (README, "Filter expressions");
                         flags alone: 'tls', '!tls', 'grpc', '!grpc'; 'protocol == "HTTP/2"'

Presentation
      --group-by KEY     endpoint (default), process, container, host, peer or status
  -s, --sort COLUMN      rate, count, errors, errorRate, p50, p90, p99, max, mean, ttfb,
                         bytesIn, bytesOut, lastSeen, key, method or process
                         (default: rate in the live view, count in a report)
      --reverse          reverse the sort (metrics sort largest first, names A to Z)
  -d, --interval SECS    refresh period of the live view (default 1; at least 0.1)
      --top N            only the first N rows (json, csv and markdown carry every row
                         unless given; a table shows 100)
  -C, --no-color         no colours (also when NO_COLOR is set)
      --show-query       show query strings (hidden by default: they often carry secrets)
      --no-tls           do not hook TLS libraries (OpenSSL, GnuTLS, Go): HTTPS is not seen

Modes
      --snapshot         collect, print one report on stdout and exit; Ctrl-C ends early
      --duration SECS    how long --snapshot collects (default 5); a --replay report
                         covers the whole file and ignores it
  -f, --format FORMAT    report format: table (default), json, csv or markdown
      --record FILE      also append every exchange to FILE (NDJSON; docs/record-format.md)
      --replay FILE      read exchanges from a recording instead of tracing
      --demo             start a small HTTP server and client load on 127.0.0.1 and trace them
  -V, --version          print the version
  -h, --help             print this help

Durations take seconds (2.5) or a unit: 500ms, 30s, 2m, 1h.

Examples
  $ sudo httptop                                   every HTTP endpoint on this host
  $ sudo httptop -p 1234 --port 8080 -d 2          one process, one port, refresh every 2 s
  $ sudo httptop --demo                            see it work on a quiet machine
  $ sudo httptop --snapshot --duration 30 --format json > report.json
  $ sudo httptop --snapshot --comm nginx --sort p99 --top 10
  $ sudo httptop --snapshot --filter 'status>=500' --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ sudo httptop --record capture.ndjson           trace now, look again later
  $ httptop --replay capture.ndjson --snapshot --group-by process --format csv

Exit status
  0  success   1  runtime failure (no privileges, BPF load failure)   2  bad flags or values

Tracing needs root, or CAP_BPF and CAP_PERFMON.`;
