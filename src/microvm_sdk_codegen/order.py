"""The order in which ``models.py`` defines its classes: each after the classes it uses.

attrs builds a class's ``__init__`` with a copy of the module's namespace as it is when
the class is decorated, and ``typing.get_type_hints(Model.__init__)`` resolves the string
annotations there. A member annotated with a class (or union alias) defined further down
the module would not resolve, so a class comes after every class its members name.
Among the classes that are free to come next, member-less structures come first (union
members default to an instance of them), then by name, as before.
"""

from __future__ import annotations

from microvm_sdk_codegen.ir import ServiceIR, ShapeIR


def _classes_named(service: ServiceIR, target: str) -> set[str]:
    """The class shapes a member targeting ``target`` names, through lists and maps."""
    shape = service.shapes[target]
    if shape.kind == "list" and shape.member:
        return _classes_named(service, shape.member)
    if shape.kind == "map" and shape.key and shape.value:
        return _classes_named(service, shape.key) | _classes_named(service, shape.value)
    return {shape.name} if shape.is_class else set()


def definition_order(service: ServiceIR) -> list[ShapeIR]:
    """Return the class shapes (structures and unions) in the order to define them.

    Shapes that name each other in a cycle (recursive models) keep the by-name order
    among themselves; their annotations then resolve only once the module is loaded.
    """
    classes = {s.name: s for s in service.shapes.values() if s.is_class}
    needs = {
        name: set().union(*(_classes_named(service, m.target) for m in shape.members)) - {name}
        for name, shape in classes.items()
    }

    def key(name: str) -> tuple[bool, str]:
        return (bool(classes[name].members), name)

    ordered: list[ShapeIR] = []
    placed: set[str] = set()
    while len(placed) < len(classes):
        left = [n for n in classes if n not in placed]
        # The first shape whose classes are all defined; in a cycle, the first one left.
        free = [n for n in left if needs[n] <= placed] or left
        _, name = min(key(n) for n in free)
        placed.add(name)
        ordered.append(classes[name])
    return ordered
