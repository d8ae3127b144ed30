"""The paginator the client's ``paginate_*`` methods return.

::

    from microvm_sdk import Client
    from microvm_sdk.paginators import Paginator
    from microvm_sdk.models import ListMicrovmImagesResponse, MicrovmImageSummary

    client = Client(region_name="us-east-1")
    pages: Paginator[ListMicrovmImagesResponse, MicrovmImageSummary]
    pages = client.paginate_list_microvm_images(page_size=10)
    names = [image.name for image in pages.items()]

Iterating a paginator yields pages; ``items()`` yields the items of every page;
``resume_token`` tells where an interrupted iteration stopped.
"""

from microvm_sdk._core.paginator import Paginator

__all__ = ["Paginator"]
