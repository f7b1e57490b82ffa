"""Validating a patrol against the street-patrol checklist template through the one checklist engine."""

from __future__ import annotations

from .schemas import PatrolPut


def validate(data: PatrolPut, referral_names: dict[int, str]) -> None:
    return None
