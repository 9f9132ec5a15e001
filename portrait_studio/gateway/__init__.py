"""The local gateway: the Spark Edit Portrait protocol served on 127.0.0.1, backed by a local engine."""

from portrait_studio.gateway.engine import Engine, PacedEngine, TrivialEngine
from portrait_studio.gateway.faults import Fault, Faults, WireStyle
from portrait_studio.gateway.processes import default_engine
from portrait_studio.gateway.server import GatewayStats, LocalGateway

__all__ = [
    "Engine",
    "Fault",
    "Faults",
    "GatewayStats",
    "LocalGateway",
    "PacedEngine",
    "TrivialEngine",
    "WireStyle",
    "default_engine",
]
