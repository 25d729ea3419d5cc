"""Validates an OpenAPI document with openapi-spec-validator (installed into tests/.venv by install.sh).

Usage: openapi_check.py FILE
Prints the OpenAPI version it validated against and exits 0, or prints the first error and exits 1.
"""

import json
import sys

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename


def main():
    spec, _ = read_from_filename(sys.argv[1])
    try:
        validate(spec)
    except Exception as e:  # the validator's errors share no base class across versions
        print(f"invalid: {e}")
        sys.exit(1)
    print(json.dumps({"valid": True, "openapi": spec.get("openapi")}))


if __name__ == "__main__":
    main()
