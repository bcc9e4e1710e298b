"""Runners: typed programs over pipelines, built from components (what the CLI runs).

A runner kind names the component slots it needs (each with the component type it
accepts) and how to build its program from them; `lolpop.config.build` builds one from
a config, checking every slot before any data is read.
"""
