"""Pure bounce parsing: raw bytes in, a classified `ParseResult` out (see pipeline.py)."""

from chalicelib.parsing.pipeline import parse_message

__all__ = ["parse_message"]
