"""The base of every plan model: strict, immutable pydantic models, and names in two languages."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Lang = Literal["zh-CN", "en"]


class Model(BaseModel):
    """Strict base: unknown keys are errors (a typo in a plan must not be silently ignored), and
    so are NaN and infinity (a target of .nan passed check and then crashed generate)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False
    )


class Named(Model):
    """Something with a Chinese name and an optional English one."""

    name: str
    name_en: str | None = None

    def label(self, lang: Lang = "zh-CN") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name
