"""The paginators the clients' ``paginate_*`` methods return.

::

    from microvm_sdk import Client
    from microvm_sdk.paginators import Paginator
    from microvm_sdk.models import ListMicrovmImagesResponse, MicrovmImageSummary

    client = Client(region_name="us-east-1")
    pages: Paginator[ListMicrovmImagesResponse, MicrovmImageSummary]
    pages = client.paginate_list_microvm_images(page_size=10)
    names = [image.name for image in pages.items()]

Iterating a paginator yields pages; ``items()`` yields the items of every page;
``resume_token`` tells where an interrupted iteration stopped. ``AsyncClient`` returns an
:class:`AsyncPaginator`, the same for ``async for``.
"""

from microvm_sdk._core.paginator import AsyncPaginator, Paginator

__all__ = ["AsyncPaginator", "Paginator"]
