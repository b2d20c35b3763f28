"""partnernet: map the partnership network of a place and answer three questions —
are small organisations shut out, are departments siloed, and who brokers?"""

from partnernet.analysis.brokerage import brokerage_roles
from partnernet.errors import (
    InputError,
    OutputError,
    PartnernetError,
    StoreError,
    ValidationError,
)
from partnernet.io.read import read_dataset
from partnernet.model import Dataset

__version__ = "0.1.0"

__all__ = [
    "Dataset",
    "InputError",
    "OutputError",
    "PartnernetError",
    "StoreError",
    "ValidationError",
    "__version__",
    "brokerage_roles",
    "read_dataset",
]
