from collections.abc import Mapping

class InvalidParameterError(ValueError, TypeError): ...

def validate_parameter_constraints(
    parameter_constraints: Mapping[str, object],
    params: Mapping[str, object],
    caller_name: str,
) -> None: ...
