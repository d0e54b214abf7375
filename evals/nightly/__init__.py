"""Nightly regression runs: the configured suites x model panel through Inspect's `eval_set` into a dated log
directory, then a report, a comparison against the baseline run, and a verdict against the config's
thresholds.

`eval_set` makes a night resumable: re-running the same config into the same directory reuses finished logs
and the finished samples of interrupted ones. A log can end `error` or `cancelled` while Inspect reports
success, so the verdict reads every log's status from disk. The model panel maps stable aliases
(`model-under-test`) to model names; each run records its panel in `panel.yaml`, so a night that swaps the
model behind an alias is compared alias to alias.

The gate is right both ways (see `evals.nightly.gate`): every name in the config is checked before any model
is called, the baseline is the last night that passed (or a pinned run) and is rejected when empty or
unreadable, a night passes only when the baseline's gated metric x cell pairs were compared (coverage), and
the verdict goes to the top of the night's report and into the history of nights (`evals.nightly.history`).

One job per module, each importing only the ones listed before it (callers import from the modules; this
package re-exports nothing):

- `gate`: the verdict, its exit codes and the summary a night records;
- `gate_report`: the gate block at the top of a night's report, and the trend section;
- `history`: the record of nights, the last night that passed, the trend table and plot;
- `metric_catalogue`: which metrics each configured suite produces, probed offline;
- `config`: the nightly config file, read and checked (`load_config`);
- `panel`: the alias -> model panel each run directory records;
- `run`: the night's eval set (running or resuming it) and the checks before any model is called;
- `baseline`: which run tonight is compared with, and why;
- `regressions`: tonight against the baseline, and the moves past a threshold;
- `trend`: `trend.md` and `trend.png` for a nightly root;
- `night`: one night from start to finish (`run_nightly`) and its result;
- `explain`: what the night found, for the terminal.
"""
