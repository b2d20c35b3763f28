"""The synthetic place: a fictional town whose findings are known (DESIGN section 9).

It reads nothing, so it lives outside :mod:`partnernet.io`; it writes a dataset
folder with :mod:`partnernet.io.writers`. :mod:`partnernet.synthetic.place` holds
what the town is made of (departments, boards, kinds of organisation, names) as
data, and :mod:`partnernet.synthetic.generate` builds and writes it.
"""

from partnernet.synthetic.generate import SCALES, generate_sample

__all__ = ["SCALES", "generate_sample"]
