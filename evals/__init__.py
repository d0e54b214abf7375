"""Everything above a single task: simulated model organisms, eval-set runs, log reading, statistics,
reports and the `schemer-evals` command line."""
