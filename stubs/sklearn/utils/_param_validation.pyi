from collections.abc import Mapping

class InvalidParameterError(ValueError, TypeError): ...

def validate_parameter_constraints(
    parameter_constraints: Mapping[str, object],
    params: Mapping[str, object],
    caller_name: str,
) -> None: ...

# The constraint classes `lolpop.components._sklearn_api` writes its table from.
class _Constraint:
    hidden: bool
    def is_satisfied_by(self, val: object) -> bool: ...

class _InstancesOf(_Constraint):
    type: type

class _NoneConstraint(_Constraint): ...
class _NanConstraint(_Constraint): ...
class _PandasNAConstraint(_Constraint): ...
class _ArrayLikes(_Constraint): ...
class _SparseMatrices(_Constraint): ...
class _Callables(_Constraint): ...
class _IterablesNotString(_Constraint): ...

class HasMethods(_Constraint):
    methods: list[str]

class Options(_Constraint):
    type: type
    options: set[object]

class StrOptions(Options): ...

class Interval(_Constraint):
    type: type
    left: float | None
    right: float | None
    closed: str

class _RandomStates(_Constraint):
    _constraints: list[_Constraint]

class _Booleans(_Constraint):
    _constraints: list[_Constraint]

class _VerboseHelper(_Constraint):
    _constraints: list[_Constraint]

class _CVObjects(_Constraint):
    _constraints: list[_Constraint]

class MissingValues(_Constraint):
    _constraints: list[_Constraint]

def make_constraint(constraint: object) -> _Constraint: ...
