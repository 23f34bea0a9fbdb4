"""Component Input and Component Output: inside a component, the ports of the component.

One pair per port type (ports are typed). A Component Input hands on what the component
receives on the port named like its label; a Component Output passes on what the component
answers on its port of the same name. Outside a component a Component Input has nothing.
"""

from __future__ import annotations

from pydantic import Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.component import BOUNDARY_CATEGORY, INPUT_PREFIX, OUTPUT_PREFIX
from studio.core.ports import VALUE_TYPES


class Settings(NodeSettings):
    order: int = Field(0, ge=0, description="Position of the port on the component (top first)")
    optional: bool = Field(False, description="The component runs without a wire on this port")
    description: str = Field("", description="What the port carries, shown on the component")


def _outside(label: str) -> str:
    return (
        f'Component Input "{label}" is fed only inside a component: create a component from '
        "the nodes it belongs to, or connect what it stands for directly"
    )


class ComponentInput(NodeType):
    """Base of the Component Input of each port type."""

    category = BOUNDARY_CATEGORY
    keywords = ("component", "port", "input", "boundary")
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        if ctx.label not in ctx.feeds:
            raise ConfigureError(_outside(ctx.label))
        fed = ctx.feeds[ctx.label]  # a spec while configuring, a value while running
        return [fed.spec() if isinstance(fed, tuple(VALUE_TYPES.values())) else fed]

    def execute(self, s: Settings, inputs, ctx):
        value = ctx.feeds.get(ctx.label)
        if value is None and ctx.label not in ctx.feeds:
            raise NodeExecutionError(_outside(ctx.label))
        if value is None and not s.optional:
            raise NodeExecutionError(f"the component's input port '{ctx.label}' has no data")
        return [value]


class ComponentOutput(NodeType):
    """Base of the Component Output of each port type."""

    category = BOUNDARY_CATEGORY
    keywords = ("component", "port", "output", "boundary")
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        return [specs[0]]

    def execute(self, s: Settings, inputs, ctx):
        return [inputs[0]]


def _boundary(kind: type[NodeType], prefix: str, port_type: PortType) -> type[NodeType]:
    word = "Input" if kind is ComponentInput else "Output"
    port = Port("value", port_type, description=f"The component's {port_type.value} {word.lower()}")
    return type(
        f"Component{word}{port_type.name.title()}",
        (kind,),
        {
            "__module__": __name__,
            "type_id": prefix + port_type.value,
            "name": f"Component {word} ({port_type.value})",
            "description": (
                f"Inside a component: a {port_type.value} port of the component, named by this "
                f"node's label. {'What the component receives there.' if word == 'Input' else 'What the component answers there.'}"
            ),
            "inputs": () if word == "Input" else (port,),
            "outputs": (port,),
        },
    )


BOUNDARY_TYPES = [
    _boundary(kind, prefix, t)
    for kind, prefix in ((ComponentInput, INPUT_PREFIX), (ComponentOutput, OUTPUT_PREFIX))
    for t in PortType
]
for _t in BOUNDARY_TYPES:  # module-level names, so worker processes can pickle them by name
    globals()[_t.__name__] = _t
