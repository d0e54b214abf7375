"""The numbers behind every report, comparison, nightly gate and plan: per-condition rates and differences with
clustered or paired intervals (`rates`, `paired_comparison`), the factor model of the hypotheses
(`factor_model`), why a compliance gap appears (`gap_attribution`), power and planning (`power`), and
cross-context consistency (`consistency`).

It reads the sample tables of `evals.logs` and returns plain data; presenting it is the job of `evals.report`,
`evals.compare` and `evals.nightly`, which sit above it.
"""
