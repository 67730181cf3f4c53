"""Electricity resumption index (企业复工电力指数): baselines, index, lunar comparison, shortfalls, gaming checks."""
