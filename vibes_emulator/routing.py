"""Route resolution narrowed by path shape, so routing stays cheap with ~90 Vibes routes.

Every Vibes path starts with ``/companies/{company_key}``, so aiohttp's router, which
indexes resources by their leading static prefix, would try each route's regular expression
in turn on every request (~60-130 us each time, a third of the emulator's per-request cost).
:class:`ShapeIndexedResource` holds the Vibes resources behind one resource and only tries
those whose segment count and static segments fit the path, in registration order, so the
routes module's ordering rules (``external`` before ``{person_key}``) still hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sized

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource, AbstractRoute, _InfoDict, _Resolve
from yarl import URL

Literals = tuple[tuple[int, str], ...]


class ShapeIndexedResource(AbstractResource):
    """Many resources behind one prefix, tried only when the path's shape fits."""

    def __init__(self, prefix: str, resources: Iterable[AbstractResource]) -> None:
        super().__init__()
        self._prefix = prefix.rstrip("/")
        self._resources = list(resources)
        self._by_length: dict[int, list[tuple[Literals, AbstractResource]]] = {}
        self._unshaped: list[AbstractResource] = []
        for resource in self._resources:
            canonical = resource.canonical
            if not canonical.startswith(self._prefix + "/"):
                raise ValueError(f"{canonical!r} is not under {self._prefix!r}")
            segments = canonical.split("/")
            if any(":" in segment for segment in segments):
                # A custom regex may span slashes; such a resource is always tried.
                self._unshaped.append(resource)
                continue
            literals = tuple((i, s) for i, s in enumerate(segments) if "{" not in s)
            self._by_length.setdefault(len(segments), []).append((literals, resource))

    @property
    def resources(self) -> list[AbstractResource]:
        return list(self._resources)

    @property
    def canonical(self) -> str:
        return self._prefix

    def url_for(self, **kwargs: str) -> URL:
        raise NotImplementedError("use the inner resources' url_for")

    def add_prefix(self, prefix: str) -> None:
        self._prefix = prefix + self._prefix
        for resource in self._resources:
            resource.add_prefix(prefix)

    def get_info(self) -> _InfoDict:
        return {"prefix": self._prefix}

    def raw_match(self, path: str) -> bool:
        return False

    def freeze(self) -> None:
        for resource in self._resources:
            resource.freeze()

    async def resolve(self, request: web.Request) -> _Resolve:
        segments = request.rel_url.path_safe.split("/")
        allowed: set[str] = set()
        for literals, resource in self._by_length.get(len(segments), ()):
            for index, literal in literals:
                if segments[index] != literal:
                    break
            else:
                match, methods = await resource.resolve(request)
                if match is not None:
                    return match, methods
                allowed |= methods
        for resource in self._unshaped:
            match, methods = await resource.resolve(request)
            if match is not None:
                return match, methods
            allowed |= methods
        return None, allowed

    def __len__(self) -> int:
        return sum(len(resource) for resource in self._resources if isinstance(resource, Sized))

    def __iter__(self) -> Iterator[AbstractRoute]:
        for resource in self._resources:
            yield from resource
