"""The property tests run under lolpop's hypothesis profiles (`lolpop.testing.profiles`,
loaded by lolpop's pytest plugin): `ci` by default, `HYPOTHESIS_PROFILE=thorough` for a
longer run. A test here that draws fewer examples asks for a share of the profile's
(`scaled`), never a fixed count.
"""
