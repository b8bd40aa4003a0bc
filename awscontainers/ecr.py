"""``lab.ecr``: boto3's ECR client, plus pushing a real image without Docker.

Every method takes boto3's parameters and returns boto3's response shapes. The lab adds:

- :meth:`EcrClient.push_image`: what ``docker push`` does, through the ECR API (upload the
  layer and config blobs, then put the manifest);
- repository names checked against ECR's rules before anything is created;
- lifecycle-policy previews and :meth:`EcrClient.apply_lifecycle_policy`, played by
  :mod:`awscontainers.sim.lifecycle`;
- tokens from ``get_authorization_token`` that never print in full (:class:`SecretToken`).

In the moto backends the lab also fixes what moto gets wrong (image digests and sizes, the
untagged image left behind when a tag moves, tag immutability's error, scan results).

>>> from awscontainers import Lab
>>> lab = Lab()
>>> _ = lab.ecr.create_repository(repositoryName="web")
>>> image = lab.ecr.push_image("web", "v1")
>>> image["imageId"]["imageTag"], image["imageId"]["imageDigest"][:7]
('v1', 'sha256:')
>>> lab.close()
"""

from __future__ import annotations

import copy
import datetime as _dt
import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any

from ._aws import ServiceClient
from .errors import (
    AlreadyExistsError,
    BackendError,
    InvalidParameterError,
    LabError,
    NotFoundError,
)
from .images import DEFAULT_MESSAGE, build_sample_image, sha256_digest
from .sim import lifecycle
from .tables import Table

REPOSITORY_NAME_PATTERN = r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*"
_NAME_RULE = (
    "Repository names are 2 to 256 characters: lowercase letters and digits, separated by "
    "single '.', '_' or '-', with '/' between namespaces (for example 'team/web-app')."
)
# Docker's tag rule: a word character first, then up to 127 of [A-Za-z0-9_.-].
_TAG_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_BATCH_DELETE_LIMIT = 100  # BatchDeleteImage takes at most 100 image ids per call
TOKEN_LIFETIME = _dt.timedelta(hours=12)  # ECR authorization tokens last 12 hours

# What ECR's basic scanning reports for the lab's images. They hold a static program and a
# text file and no operating system or package manager, like images built FROM scratch;
# ECR documents that it cannot scan those ("Amazon ECR does not support scanning images
# built from the Docker scratch image") and reports this status. There are no findings:
# nothing with a CVE was scanned, so findingSeverityCounts is empty.
SCAN_STATUS = {
    "status": "FAILED",
    "description": "UnsupportedImageError: The operating system and/or package manager are "
    "not supported.",
}


def suggest_repository_name(name: str) -> str:
    """A valid repository name close to ``name`` (what the error message offers).

    >>> suggest_repository_name("My_App")
    'my_app'
    >>> suggest_repository_name("Team/Web App!")
    'team/web-app'
    >>> suggest_repository_name("x")
    'x-app'
    """
    parts = []
    for part in str(name).lower().split("/"):
        part = re.sub(r"[^a-z0-9._-]+", "-", part)
        part = re.sub(r"[._-]{2,}", "-", part).strip("._-")
        if part:
            parts.append(part)
    suggestion = "/".join(parts)
    if len(suggestion) < 2:
        suggestion = f"{suggestion}-app" if suggestion else "my-app"
    suggestion = suggestion[:256].rstrip("._-/")
    return suggestion if re.fullmatch(REPOSITORY_NAME_PATTERN, suggestion) else "my-app"


def check_repository_name(name: Any) -> None:
    """Raise InvalidParameterError (``InvalidParameterException``) unless ``name`` follows
    ECR's repository naming rules.

    >>> check_repository_name("team/web-app")
    >>> try:
    ...     check_repository_name("Web")
    ... except InvalidParameterError as err:
    ...     print(err.code, err.hint)
    InvalidParameterException try repositoryName='web'.
    """
    if not isinstance(name, str):
        raise InvalidParameterError(
            f"repositoryName must be a string, not {type(name).__name__}.",
            code="InvalidParameterException",
            hint="pass repositoryName='web'.",
        )
    if not 2 <= len(name) <= 256:
        problem = "Member must have length between 2 and 256"
    elif not re.fullmatch(REPOSITORY_NAME_PATTERN, name):
        problem = f"must satisfy regular expression '{REPOSITORY_NAME_PATTERN}'"
    else:
        return
    raise InvalidParameterError(
        f"Invalid parameter at 'repositoryName' failed to satisfy constraint: '{problem}'. "
        f"{_NAME_RULE}",
        code="InvalidParameterException",
        hint=f"try repositoryName={suggest_repository_name(name)!r}.",
    )


class SecretToken:
    """An ECR authorization token that prints as ``'QVdT…(hidden, 36 chars)'``.

    The token is base64 of ``AWS:<password>``: anyone holding it can push and pull your
    images for 12 hours, so notebooks and logs must not show it. It is deliberately *not* a
    ``str``: ``json.dumps``, slicing and string concatenation would copy the raw characters
    out of a ``str``; here they get the masked text or a clear error. ``.reveal()`` returns
    the plain value for code that needs it (comparing with ``==`` works without revealing).
    You rarely need it: ``docker login`` reads the password from the CLI, never from a
    notebook (see :meth:`EcrClient.docker_login_command`)::

        aws ecr get-login-password --region us-east-1 |
          docker login --username AWS --password-stdin \\
          123456789012.dkr.ecr.us-east-1.amazonaws.com

    >>> t = SecretToken("QVdTOnNlY3JldA==")
    >>> print(t)
    QVdT…(hidden, 16 chars)
    >>> t.reveal()
    'QVdTOnNlY3JldA=='
    >>> import json
    >>> "QVdTOnNlY3JldA==" in json.dumps({"token": t}, default=str)
    False
    """

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = str(value)

    def _masked(self) -> str:
        return f"{self._value[:4]}…(hidden, {len(self._value)} chars)"

    def __str__(self) -> str:
        return self._masked()

    def __repr__(self) -> str:
        return repr(self._masked())

    def __format__(self, spec: str) -> str:
        return format(self._masked(), spec)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SecretToken):
            return self._value == other._value
        return isinstance(other, str) and self._value == other

    def __hash__(self) -> int:
        return hash(self._value)

    def __getitem__(self, _: object) -> str:
        raise LabError(
            "An ECR authorization token cannot be sliced: it would show the secret.",
            hint="use token.reveal() if you really need the characters, and do not print them.",
        )

    def reveal(self) -> str:
        """The real token, as a plain ``str``. Avoid printing it."""
        return self._value


@dataclass
class _Pushed:
    """What the lab remembers about an image it put (moto forgets or gets these wrong)."""

    order: int  # push order: breaks ties between images pushed in the same second
    pushed_at: Any  # imagePushedAt as moto first reported it
    manifest: str
    media_type: str | None
    size: int | None  # sum of the layer sizes in the manifest
    artifact_media_type: str | None


def _tag_is_immutable(repository: dict, tag: str) -> bool:
    """Whether ``tag`` may not be moved in this repository (exclusion filters included)."""
    mode = repository.get("imageTagMutability", "MUTABLE")
    filters = [
        f.get("filter", "") for f in repository.get("imageTagMutabilityExclusionFilters") or []
    ]
    excluded = any(fnmatch.fnmatchcase(tag, f) for f in filters)
    if mode == "IMMUTABLE":
        return True
    if mode == "IMMUTABLE_WITH_EXCLUSION":
        return not excluded
    if mode == "MUTABLE_WITH_EXCLUSION":
        return excluded
    return False


def _manifest_facts(manifest: str) -> tuple[int | None, str | None, str | None]:
    """(sum of layer sizes, config media type, manifest media type) of a manifest."""
    try:
        parsed = json.loads(manifest)
    except (TypeError, ValueError):
        return None, None, None
    if not isinstance(parsed, dict):
        return None, None, None
    layers = parsed.get("layers")
    size = None
    if isinstance(layers, list) and all(isinstance(x, dict) for x in layers):
        size = sum(int(x.get("size", 0)) for x in layers)
    found = parsed.get("config")
    config: dict = found if isinstance(found, dict) else {}
    return size, config.get("mediaType"), parsed.get("mediaType")


class EcrClient(ServiceClient):
    """boto3-shaped ECR, plus lab helpers: :meth:`push_image`, :meth:`images_table`,
    :meth:`apply_lifecycle_policy`, :meth:`docker_login_command`."""

    service_name = "ecr"
    filled_by_lab = {
        "put_lifecycle_policy": frozenset({"lifecyclePolicyText"}),
        # ECR's own naming rules are checked first, with ECR's message and a suggestion
        "create_repository": frozenset({"repositoryName"}),
    }

    def __init__(self, lab: Any):
        super().__init__(lab)
        self._pushed: dict[tuple[str, str], _Pushed] = {}
        self._scans: dict[tuple[str, str], Any] = {}  # (repo, digest) -> scan completed at
        self._previews: dict[str, dict] = {}
        self._push_count = 0

    # -- repositories ----------------------------------------------------------------------
    def create_repository(self, **params: Any) -> dict:
        """boto3 ``create_repository``; the name is checked against ECR's rules first and
        the lab's tag is added.

        >>> from awscontainers import Lab
        >>> with Lab() as lab:
        ...     lab.ecr.create_repository(repositoryName="web")["repository"]["repositoryUri"]
        '123456789012.dkr.ecr.us-east-1.amazonaws.com/web'
        """
        name = params.get("repositoryName")
        check_repository_name(name)
        params["tags"] = [*params.get("tags", []), *self._lab.tags()]
        try:
            response = self._call("create_repository", **params)
        except AlreadyExistsError as exc:
            raise AlreadyExistsError(
                exc.message,
                code=exc.code,
                hint=f"push to the one that exists, or delete it first: lab.ecr."
                f"delete_repository(repositoryName={name!r}, force=True).",
            ) from exc
        # A new repository is empty, whatever the lab remembers from one of the same name
        # (deleted by teardown or the plain boto3 client).
        self._forget_repository(response["repository"]["repositoryName"])
        self._lab.record("ecr-repository", response["repository"]["repositoryName"])
        return response

    def delete_repository(self, **params: Any) -> dict:
        response = self._call("delete_repository", **params)
        name = response["repository"]["repositoryName"]
        self._lab.forget("ecr-repository", name)
        self._forget_repository(name)
        return response

    def _forget_repository(self, name: str) -> None:
        for store in (self._pushed, self._scans):
            for key in [k for k in store if k[0] == name]:
                del store[key]
        self._previews.pop(name, None)

    def _repository(self, name: str, registry_id: str | None = None) -> dict:
        params: dict[str, Any] = {"repositoryNames": [name]}
        if registry_id:
            params["registryId"] = registry_id
        return self._call("describe_repositories", **params)["repositories"][0]

    # -- images ---------------------------------------------------------------------------
    def put_image(self, **params: Any) -> dict:
        """boto3 ``put_image``. In the lab: the image digest is the sha256 of the manifest
        (as in ECR), an immutable tag cannot be moved (``ImageTagAlreadyExistsException``),
        a moved tag leaves the old image behind untagged, and scan on push scans."""
        if not self._lab.simulated:
            return self._call("put_image", **params)
        name = params.get("repositoryName", "")
        repo = self._repository(name, params.get("registryId"))
        manifest = params.get("imageManifest")
        if not isinstance(manifest, str):
            raise InvalidParameterError(
                "imageManifest must be the manifest's JSON text.",
                code="InvalidParameterException",
                hint="pass json.dumps(manifest), exactly the bytes whose sha256 is the digest.",
            )
        try:
            json.loads(manifest)
        except ValueError as exc:
            raise InvalidParameterError(
                "Invalid parameter at 'ImageManifest' failed to satisfy constraint: "
                "'Invalid JSON syntax'",
                code="InvalidParameterException",
                hint="pass the manifest as valid JSON text.",
            ) from exc
        digest = sha256_digest(manifest.encode())
        given = params.get("imageDigest")
        if given and given != digest:
            raise InvalidParameterError(
                f"The specified image digest {given} does not match the digest that Amazon "
                f"ECR calculated for the image ({digest}).",
                code="ImageDigestDoesNotMatchException",
                hint="leave imageDigest out, or pass the sha256 of the manifest's exact bytes.",
            )
        params["imageDigest"] = digest  # moto otherwise hashes the layer digests instead
        tag = params.get("imageTag")
        holder = self._check_tag(repo, tag, digest) if tag else None
        is_new = (name, digest) not in self._pushed and not self._exists(name, digest)
        response = self._call("put_image", **params)
        if holder is not None:
            self._keep_untagged(name, holder)
        self._remember(name, digest, manifest, params.get("imageManifestMediaType"))
        response["image"]["imageId"]["imageDigest"] = digest
        if is_new and repo.get("imageScanningConfiguration", {}).get("scanOnPush"):
            self._scan(name, digest)
        return response

    def _check_tag(self, repo: dict, tag: str, digest: str) -> dict | None:
        """Refuse to move an immutable tag; return the image the tag moves away from if that
        image would be left with no tag (moto deletes it, ECR keeps it untagged)."""
        try:
            found = self._call(
                "describe_images",
                repositoryName=repo["repositoryName"],
                registryId=repo["registryId"],
                imageIds=[{"imageTag": tag}],
            )["imageDetails"]
        except NotFoundError:
            return None
        current = found[0] if found else None
        if current is None or current["imageDigest"] == digest:
            return None  # same image again: ECR answers ImageAlreadyExistsException itself
        if _tag_is_immutable(repo, tag):
            raise AlreadyExistsError(
                f"The image tag '{tag}' already exists in the '{repo['repositoryName']}' "
                "repository and cannot be overwritten because the repository is immutable.",
                code="ImageTagAlreadyExistsException",
                hint="push under a new tag (v2, a git sha...); immutable tags always name "
                "the same image, which is the point.",
            )
        return current if current.get("imageTags") == [tag] else None

    def _exists(self, name: str, digest: str) -> bool:
        try:
            self._call("describe_images", repositoryName=name, imageIds=[{"imageDigest": digest}])
        except NotFoundError:
            return False
        return True

    def _keep_untagged(self, name: str, old: dict) -> None:
        """Put back, untagged, the image moto deleted when its only tag moved away."""
        digest = old["imageDigest"]
        if self._exists(name, digest):
            return
        known = self._pushed.get((name, digest))
        if known is None:
            return  # pushed outside the lab client: its manifest is gone with it
        params: dict[str, Any] = {
            "repositoryName": name,
            "imageManifest": known.manifest,
            "imageDigest": digest,
        }
        if known.media_type:
            params["imageManifestMediaType"] = known.media_type
        self._call("put_image", **params)

    def _remember(self, name: str, digest: str, manifest: str, media_type: str | None) -> None:
        if (name, digest) in self._pushed:
            return
        size, artifact, manifest_type = _manifest_facts(manifest)
        detail = self._call(
            "describe_images", repositoryName=name, imageIds=[{"imageDigest": digest}]
        )["imageDetails"][0]
        self._push_count += 1
        self._pushed[(name, digest)] = _Pushed(
            order=self._push_count,
            # The lab's clock, so lessons print the same push times on every run (moto
            # stamps the wall clock); real AWS keeps its own time.
            pushed_at=self._now() if self._lab.simulated else detail.get("imagePushedAt"),
            manifest=manifest,
            media_type=media_type or manifest_type,
            size=size,
            artifact_media_type=artifact,
        )

    def push_image(self, repository: str, tag: str = "latest", message: str | None = None) -> dict:
        """Push the lab's sample image (see :func:`awscontainers.images.build_sample_image`)
        the way ``docker push`` does, and return ``put_image``'s ``image``.

        1. ``batch_check_layer_availability``: which blobs does the registry have already?
        2. for each missing blob (the layer, then the config): ``initiate_layer_upload``,
           ``upload_layer_part`` (in parts of ``partSize``), ``complete_layer_upload``;
        3. ``put_image`` with the manifest, which names the blobs by digest.

        A different ``message`` is a different image (v1, v2...). Pushing the same image to
        the same tag again changes nothing and returns it, as ``docker push`` would.

        >>> from awscontainers import Lab
        >>> with Lab() as lab:
        ...     _ = lab.ecr.create_repository(repositoryName="web")
        ...     v1 = lab.ecr.push_image("web", "v1", message="version 1")
        ...     v2 = lab.ecr.push_image("web", "v2", message="version 2")
        ...     v1["imageId"]["imageDigest"] != v2["imageId"]["imageDigest"]
        True
        """
        if not isinstance(tag, str) or not _TAG_PATTERN.fullmatch(tag):
            raise InvalidParameterError(
                f"{tag!r} is not a valid image tag.",
                code="InvalidParameterException",
                hint="a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with "
                "'.' or '-' (for example 'v1' or '2026-01-05').",
            )
        image = build_sample_image(DEFAULT_MESSAGE if message is None else message)
        # Check everything that could refuse the push before uploading anything.
        repo = self._repository(repository)
        self._check_tag(repo, tag, image.digest)
        self._upload_blobs(repository, image.blobs)
        try:
            response = self.put_image(
                repositoryName=repository,
                imageManifest=image.manifest_json,
                imageManifestMediaType=image.media_type,
                imageTag=tag,
                imageDigest=image.digest,
            )
        except AlreadyExistsError as exc:
            if exc.code != "ImageAlreadyExistsException":
                raise
            # Same image, same tag: already there.
            return {
                "registryId": repo["registryId"],
                "repositoryName": repository,
                "imageId": {"imageDigest": image.digest, "imageTag": tag},
                "imageManifest": image.manifest_json,
                "imageManifestMediaType": image.media_type,
            }
        result = response["image"]
        if result["imageId"].get("imageDigest") != image.digest:
            raise BackendError(
                f"The registry stored the image under {result['imageId'].get('imageDigest')}"
                f", not its true digest {image.digest}.",
                hint="report this to the awscontainers project.",
            )
        return result

    def _upload_blobs(self, repository: str, blobs: list[tuple[str, bytes]]) -> None:
        available = self._call(
            "batch_check_layer_availability",
            repositoryName=repository,
            layerDigests=[d for d, _ in blobs],
        )
        have = {
            layer["layerDigest"]
            for layer in available.get("layers", [])
            if layer.get("layerAvailability") == "AVAILABLE"
        }
        for digest, data in blobs:
            if digest in have:
                continue  # content-addressed: the registry already holds these exact bytes
            upload = self._call("initiate_layer_upload", repositoryName=repository)
            part = max(int(upload.get("partSize") or len(data)), 1)
            for first in range(0, len(data), part):
                chunk = data[first : first + part]
                self._call(
                    "upload_layer_part",
                    repositoryName=repository,
                    uploadId=upload["uploadId"],
                    partFirstByte=first,
                    partLastByte=first + len(chunk) - 1,
                    layerPartBlob=chunk,
                )
            done = self._call(
                "complete_layer_upload",
                repositoryName=repository,
                uploadId=upload["uploadId"],
                layerDigests=[digest],
            )
            if done.get("layerDigest") != digest:
                raise BackendError(
                    f"The registry computed {done.get('layerDigest')} for a blob whose "
                    f"sha256 is {digest}.",
                    hint="report this to the awscontainers project.",
                )

    def describe_images(self, **params: Any) -> dict:
        """boto3 ``describe_images``; in the lab, sizes are the sum of the compressed layers
        (as ECR reports them) and scanned images show their scan status."""
        response = self._call("describe_images", **params)
        if self._lab.simulated:
            name = params.get("repositoryName", "")
            response["imageDetails"] = [
                self._fix_detail(name, d) for d in response.get("imageDetails", [])
            ]
        return response

    def _fix_detail(self, name: str, detail: dict) -> dict:
        known = self._pushed.get((name, detail["imageDigest"]))
        if known is not None:
            if known.size is not None:
                detail["imageSizeInBytes"] = known.size
            if known.pushed_at is not None:
                # An image put back untagged keeps the time it was first pushed.
                detail["imagePushedAt"] = known.pushed_at
            if known.artifact_media_type:
                detail["artifactMediaType"] = known.artifact_media_type
        scanned = self._scans.get((name, detail["imageDigest"]))
        if scanned is not None:
            detail["imageScanStatus"] = dict(SCAN_STATUS)
            detail["imageScanFindingsSummary"] = {
                "imageScanCompletedAt": scanned,
                "findingSeverityCounts": {},
            }
        return detail

    def _image_details(self, repository: str) -> list[dict]:
        """Every image in the repository, oldest push first (ties by push order)."""
        details = self.describe_images(repositoryName=repository)["imageDetails"]
        # describe_images lists in storage order; the lab's own push order comes first.
        position = {d["imageDigest"]: n for n, d in enumerate(details)}

        def key(d: dict) -> tuple:
            known = self._pushed.get((repository, d["imageDigest"]))
            return (d.get("imagePushedAt"), known.order if known else 0, position[d["imageDigest"]])

        return sorted(details, key=key)

    def batch_delete_image(self, **params: Any) -> dict:
        response = self._call("batch_delete_image", **params)
        if self._lab.simulated:
            name = params.get("repositoryName", "")
            # moto leaves untagged images out of imageIds; ECR lists them by digest.
            listed = {i.get("imageDigest") for i in response.get("imageIds", [])}
            failed = {f.get("imageId", {}).get("imageDigest") for f in response.get("failures", [])}
            for wanted in params.get("imageIds") or []:
                digest = wanted.get("imageDigest")
                if digest and "imageTag" not in wanted and digest not in listed | failed:
                    response.setdefault("imageIds", []).append({"imageDigest": digest})
            self._prune(name)
        return response

    def _prune(self, name: str) -> None:
        present = {
            i["imageDigest"] for i in self._call("list_images", repositoryName=name)["imageIds"]
        }
        for store in (self._pushed, self._scans):
            for key in [k for k in store if k[0] == name and k[1] not in present]:
                del store[key]

    def _now(self) -> _dt.datetime:
        """The lab's clock (a fixed, ticking clock in the simulation; real time on AWS)."""
        return self._lab.now()

    def images_table(self, repository: str) -> Table:
        """The repository's images, newest first: tags, short digest, size, push time and
        scan status (a table that shows itself in a notebook)."""
        rows = []
        for d in reversed(self._image_details(repository)):
            pushed = d.get("imagePushedAt")
            rows.append(
                {
                    "tags": sorted(d.get("imageTags") or []) or None,
                    "digest": d["imageDigest"][:19],
                    "size (bytes)": d.get("imageSizeInBytes"),
                    "pushed at": pushed.isoformat() if hasattr(pushed, "isoformat") else pushed,
                    "scan": (d.get("imageScanStatus") or {}).get("status"),
                }
            )
        return Table(rows, title=f"Images in {repository}")

    # -- scanning --------------------------------------------------------------------------
    def _scan(self, name: str, digest: str) -> None:
        self._call("start_image_scan", repositoryName=name, imageId={"imageDigest": digest})
        known = self._pushed.get((name, digest))
        self._scans[(name, digest)] = known.pushed_at if known else self._now()

    def start_image_scan(self, **params: Any) -> dict:
        """boto3 ``start_image_scan`` (once per image per 24 hours, scan on push included).
        The lab's scan finishes at once; see :data:`SCAN_STATUS` for its verdict."""
        response = self._call("start_image_scan", **params)
        if self._lab.simulated:
            name = params.get("repositoryName", "")
            self._scans[(name, response["imageId"]["imageDigest"])] = self._now()
        return response

    def describe_image_scan_findings(self, **params: Any) -> dict:
        """boto3 ``describe_image_scan_findings``. The lab's images have no operating system,
        so ECR's basic scan cannot scan them (status FAILED, ``UnsupportedImageError``, as
        for any image built FROM scratch) and there is nothing to report:
        ``findingSeverityCounts`` is empty. (moto would invent a CVE; the lab does not.)"""
        response = self._call("describe_image_scan_findings", **params)
        if not self._lab.simulated:
            return response
        name = params.get("repositoryName", "")
        digest = response["imageId"]["imageDigest"]
        response["imageScanStatus"] = dict(SCAN_STATUS)
        response["imageScanFindings"] = {
            "imageScanCompletedAt": self._scans.get((name, digest)) or self._now(),
            "findings": [],
            "findingSeverityCounts": {},
        }
        return response

    # -- lifecycle policies ------------------------------------------------------------------
    def put_lifecycle_policy(self, **params: Any) -> dict:
        """boto3 ``put_lifecycle_policy``; the lab checks the policy first and says what is
        wrong with it. A dict is accepted and sent as JSON text."""
        text = params.get("lifecyclePolicyText")
        if isinstance(text, dict):
            params["lifecyclePolicyText"] = text = json.dumps(text)
        if self._lab.simulated:
            lifecycle.validate(text if text is not None else "")
        return self._call("put_lifecycle_policy", **params)

    def start_lifecycle_policy_preview(self, **params: Any) -> dict:
        """boto3 ``start_lifecycle_policy_preview``: which images would the policy expire?
        Without ``lifecyclePolicyText`` the repository's own policy is previewed."""
        if not self._lab.simulated:
            return self._call("start_lifecycle_policy_preview", **params)
        name = params.get("repositoryName", "")
        repo = self._repository(name, params.get("registryId"))
        text = params.get("lifecyclePolicyText")
        if isinstance(text, dict):
            text = json.dumps(text)
        if text is None:
            text = self._call("get_lifecycle_policy", repositoryName=name)["lifecyclePolicyText"]
        results = self._preview_rows(name, text, self._now())
        self._previews[name] = {
            "registryId": repo["registryId"],
            "repositoryName": name,
            "lifecyclePolicyText": text,
            "status": "COMPLETE",
            "previewResults": results,
            "summary": {"expiringImageTotalCount": len(results)},
        }
        # ECR answers IN_PROGRESS and works in the background; get_... shows the result.
        return {
            "registryId": repo["registryId"],
            "repositoryName": name,
            "lifecyclePolicyText": text,
            "status": "IN_PROGRESS",
        }

    def get_lifecycle_policy_preview(self, **params: Any) -> dict:
        """boto3 ``get_lifecycle_policy_preview``: ``previewResults`` (one per expiring
        image, with the ``appliedRulePriority`` that expires it) and ``summary``."""
        if not self._lab.simulated:
            return self._call("get_lifecycle_policy_preview", **params)
        name = params.get("repositoryName", "")
        self._repository(name, params.get("registryId"))
        if name not in self._previews:
            raise NotFoundError(
                f"There is no dry run for the repository with name '{name}' in the registry "
                f"with id '{self._lab.account_id}'",
                code="LifecyclePolicyPreviewNotFoundException",
                hint=f"start one first: lab.ecr.start_lifecycle_policy_preview("
                f"repositoryName={name!r}).",
            )
        preview = copy.deepcopy(self._previews[name])
        wanted = params.get("imageIds")
        status = (params.get("filter") or {}).get("tagStatus", "ANY")
        rows = preview["previewResults"]
        if wanted:
            rows = [r for r in rows if any(_same_image(r, w) for w in wanted)]
        if status == "TAGGED":
            rows = [r for r in rows if r["imageTags"]]
        elif status == "UNTAGGED":
            rows = [r for r in rows if not r["imageTags"]]
        preview["previewResults"] = rows
        return preview

    def _preview_rows(self, name: str, policy: str, now: _dt.datetime) -> list[dict]:
        expiring = lifecycle.evaluate(policy, self._image_details(name), now)
        return [
            {
                "imageTags": sorted(d.get("imageTags") or []),
                "imageDigest": d["imageDigest"],
                "imagePushedAt": d.get("imagePushedAt"),
                "action": {"type": "EXPIRE"},
                "appliedRulePriority": d["appliedRulePriority"],
            }
            for d in expiring
        ]

    def apply_lifecycle_policy(self, repository: str, *, now: _dt.datetime | None = None) -> Table:
        """Expire now what the repository's lifecycle policy expires, and return those images
        (the preview's rows). ECR does this by itself within 24 hours; the lab does it at once.

        ``now`` evaluates as if at another time, for example 30 days later to see a
        ``sinceImagePushed`` rule act: ``now=datetime.now(timezone.utc) + timedelta(days=30)``
        (push times are wall-clock times, as moto and ECR record them).
        """
        policy = self._call("get_lifecycle_policy", repositoryName=repository)[
            "lifecyclePolicyText"
        ]
        when = now or self._now()
        rows = self._preview_rows(repository, policy, when)
        digests = [r["imageDigest"] for r in rows]
        for start in range(0, len(digests), _BATCH_DELETE_LIMIT):
            chunk = digests[start : start + _BATCH_DELETE_LIMIT]
            result = self.batch_delete_image(
                repositoryName=repository, imageIds=[{"imageDigest": d} for d in chunk]
            )
            if result.get("failures"):
                failure = result["failures"][0]
                raise BackendError(
                    f"Could not expire {failure.get('imageId')}: {failure.get('failureReason')}.",
                    hint="describe_images shows what is left; run apply_lifecycle_policy again.",
                )
        return Table(rows, title=f"Expired from {repository}")

    # -- authentication ----------------------------------------------------------------------
    def get_authorization_token(self, **params: Any) -> dict:
        """boto3 ``get_authorization_token``; each ``authorizationToken`` is a
        :class:`SecretToken`, which prints only its first four characters."""
        response = self._call("get_authorization_token", **params)
        for data in response.get("authorizationData", []):
            if "authorizationToken" in data:
                data["authorizationToken"] = SecretToken(data["authorizationToken"])
            if self._lab.simulated:
                # moto dates every token 2015-01-01; ECR's last 12 hours.
                data["expiresAt"] = self._now() + TOKEN_LIFETIME
        return response

    def docker_login_command(self, registry_id: str | None = None) -> str:
        """The shell command that logs Docker in to this registry, without the password in it.

        ``aws ecr get-login-password`` prints the password (the token's part after
        ``AWS:``) and ``--password-stdin`` hands it to Docker through a pipe, so it never
        shows in the command line, the shell history or a notebook. Against moto the
        registry host is not a real registry; the command shows what you would run on AWS.

        >>> from awscontainers import Lab
        >>> with Lab() as lab:
        ...     print(lab.ecr.docker_login_command().replace(" | ", "\\n| "))
        aws ecr get-login-password --region us-east-1
        | docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com
        """
        registry = registry_id or self._lab.account_id
        host = f"{registry}.dkr.ecr.{self._lab.region}.amazonaws.com"
        return (
            f"aws ecr get-login-password --region {self._lab.region} | "
            f"docker login --username AWS --password-stdin {host}"
        )


def _same_image(row: dict, wanted: dict) -> bool:
    if "imageDigest" in wanted and wanted["imageDigest"] != row["imageDigest"]:
        return False
    return not ("imageTag" in wanted and wanted["imageTag"] not in row["imageTags"])


__all__ = [
    "EcrClient",
    "SecretToken",
    "SCAN_STATUS",
    "REPOSITORY_NAME_PATTERN",
    "check_repository_name",
    "suggest_repository_name",
]
