"""The inbound mail bucket: read one stored message (bounded: SES accepts at most 40 MB), or
show one to staff (bounded again: an API response carries at most a few megabytes)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws.clients import client
from chalicelib.errors import NotFound, PayloadTooLarge

MAX_MESSAGE_BYTES = 41 * 1024 * 1024
# A Lambda response is at most 6 MB: a stored message up to this size is shown and downloaded
# through the API; a larger one is read from the bucket itself (the 413 says which object).
MAX_RAW_VIEW_BYTES = 5 * 1024 * 1024
_PART_BYTES = 8 * 1024 * 1024  # S3 parts are at least 5 MiB except the last


class S3InboundMail:
    """InboundMail port on one bucket."""

    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def read(self, key: str) -> bytes:
        response = client("s3").get_object(
            Bucket=self._bucket, Key=key, Range=f"bytes=0-{MAX_MESSAGE_BYTES - 1}"
        )
        body: bytes = response["Body"].read()
        return body

    def write(self, key: str, raw: bytes) -> None:
        client("s3").put_object(Bucket=self._bucket, Key=key, Body=raw)

    def read_raw(self, key: str, limit: int = MAX_RAW_VIEW_BYTES) -> bytes:
        """A stored message for staff to read: NotFound when it is gone, PayloadTooLarge (with
        its size and key) when it is over `limit` bytes; one ranged read either way."""
        try:
            response = client("s3").get_object(
                Bucket=self._bucket, Key=key, Range=f"bytes=0-{limit}"
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code")
            if code in {"NoSuchKey", "404"}:
                raise NotFound(f"no stored message {key!r} (it may have expired)") from None
            if code == "InvalidRange":  # an empty object has no byte 0
                return b""
            raise
        body: bytes = response["Body"].read()
        if len(body) > limit:
            # Content-Range: "bytes 0-<limit>/<size>"
            size = str(response.get("ContentRange", "")).rpartition("/")[2]
            known = f"{int(size):,} bytes ({int(size) / 2**20:.1f} MiB), " if size.isdigit() else ""
            raise PayloadTooLarge(
                f"the stored message is {known}more than the {limit / 2**20:g} MiB "
                f"({limit:,} bytes) the page shows or downloads; read {key} from the mail "
                "bucket instead"
            )
        return body


class S3Exports:
    """Large CSV exports: streamed to S3 in parts, handed out as a time-limited link."""

    def __init__(self, bucket: str, link_seconds: int = 900) -> None:
        self._bucket = bucket
        self.link_seconds = link_seconds

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> None:
        s3 = client("s3")
        upload = s3.create_multipart_upload(Bucket=self._bucket, Key=key, ContentType=content_type)
        parts: list[dict[str, Any]] = []
        buffer = bytearray()
        try:
            for chunk in chunks:
                buffer += chunk
                if len(buffer) >= _PART_BYTES:
                    parts.append(self._part(key, upload["UploadId"], len(parts) + 1, bytes(buffer)))
                    buffer.clear()
            if buffer or not parts:
                parts.append(self._part(key, upload["UploadId"], len(parts) + 1, bytes(buffer)))
            s3.complete_multipart_upload(
                Bucket=self._bucket,
                Key=key,
                UploadId=upload["UploadId"],
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            s3.abort_multipart_upload(Bucket=self._bucket, Key=key, UploadId=upload["UploadId"])
            raise

    def _part(self, key: str, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        response = client("s3").upload_part(
            Bucket=self._bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": response["ETag"]}

    def link(self, key: str) -> str:
        url: str = client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=self.link_seconds,
        )
        return url


class S3Objects:
    """The bucket's objects by key and prefix: what forgetting one address deletes or rewrites
    (chalicelib.forget's ObjectEraser)."""

    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def delete_under(self, prefix: str) -> int:
        """Delete every object under a prefix; how many there were."""
        listed = self._keys_under(prefix)
        self._delete(listed)
        return len(listed)

    def _keys_under(self, prefix: str) -> list[str]:
        pages = (
            client("s3")
            .get_paginator("list_objects_v2")
            .paginate(Bucket=self._bucket, Prefix=prefix)
        )
        return [str(o["Key"]) for page in pages for o in page.get("Contents", [])]

    def read_under(self, prefix: str) -> list[bytes]:
        return [body for key in self._keys_under(prefix) if (body := self.read_if_any(key))]

    def delete(self, keys: Sequence[str]) -> int:
        """Delete these objects; how many existed (S3's DeleteObjects reports a missing key as
        deleted, so each is looked up first: forgetting says what it found)."""
        existing = [key for key in keys if self._exists(key)]
        self._delete(existing)
        return len(existing)

    def _delete(self, existing: Sequence[str]) -> None:
        for start in range(0, len(existing), _DELETE_BATCH):
            batch = existing[start : start + _DELETE_BATCH]
            response = client("s3").delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            if response.get("Errors"):
                first = response["Errors"][0]
                raise RuntimeError(f"S3 refused to delete {first.get('Key')}: {first.get('Code')}")

    def read_if_any(self, key: str) -> bytes | None:
        if not self._exists(key):
            return None
        try:
            response = client("s3").get_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _missing(error):
                return None
            raise
        body: bytes = response["Body"].read()
        return body

    def write(self, key: str, raw: bytes) -> None:
        client("s3").put_object(Bucket=self._bucket, Key=key, Body=raw)

    def _exists(self, key: str) -> bool:
        # A listing of the key itself: the role may list only the prefixes forgetting touches,
        # and HeadObject needs unconditional ListBucket to answer 404 rather than 403.
        found = client("s3").list_objects_v2(Bucket=self._bucket, Prefix=key, MaxKeys=1)
        return any(o["Key"] == key for o in found.get("Contents", []))


_DELETE_BATCH = 1000  # DeleteObjects' limit


def _missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404", "NotFound"}
