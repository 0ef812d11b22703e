"""yuqing — 舆情监测值班工具 (public-opinion monitoring for a county office)."""

__version__ = "0.1.0"
