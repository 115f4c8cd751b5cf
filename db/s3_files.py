"""The file store on an S3-compatible object store, for deployments on several machines: the
same interface as the local directory (random names, nothing but names handed out), plus
short-lived presigned links so that a file is served straight from the store once the app
has checked who may have it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiobotocore.session import get_session

from db.files import FileStore, LocalFileStore, check_name, new_name

PRESIGNED_SECONDS = 300  # long enough to start a download, too short to pass around


class S3FileStore:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        prefix: str = "",
    ) -> None:
        self.bucket, self.endpoint_url, self.region, self.prefix = (
            bucket,
            endpoint_url,
            region,
            prefix,
        )
        self._session = get_session()

    def _client(self) -> Any:
        # credentials come the usual way: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, a role
        return self._session.create_client(
            "s3", region_name=self.region, endpoint_url=self.endpoint_url
        )

    def _key(self, name: str) -> str:
        return self.prefix + check_name(name)

    async def save(self, content: bytes, extension: str, *, suffix: str = "") -> str:
        name = new_name(extension, suffix)
        async with self._client() as client:
            await client.put_object(Bucket=self.bucket, Key=self._key(name), Body=content)
        return name

    async def read(self, name: str) -> bytes:
        async with self._client() as client:
            answer = await client.get_object(Bucket=self.bucket, Key=self._key(name))
            async with answer["Body"] as body:
                data: bytes = await body.read()
        return data

    async def delete(self, names: Iterable[str]) -> None:
        keys = [{"Key": self._key(name)} for name in names if name]
        if not keys:
            return
        async with self._client() as client:
            for start in range(0, len(keys), 1000):  # the API's most per call
                await client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys[start : start + 1000]}
                )

    def local_path(self, name: str) -> Path | None:
        return None  # nothing of it is on this machine

    async def link(self, name: str, *, filename: str, content_type: str, disposition: str) -> str:
        """A presigned GET that answers with the headers the app would have sent."""
        async with self._client() as client:
            url: str = await client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": self._key(name),
                    "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition,
                    "ResponseCacheControl": "private, no-store",
                },
                ExpiresIn=PRESIGNED_SECONDS,
            )
        return url


def file_store_for(settings: Any) -> FileStore:
    """The store the settings name: S3 when S3_BUCKET is set, else the local directory."""
    if settings.s3_bucket:
        endpoint = settings.s3_endpoint_url or None
        return S3FileStore(settings.s3_bucket, endpoint_url=endpoint, region=settings.s3_region)
    return LocalFileStore(settings.files_dir)
