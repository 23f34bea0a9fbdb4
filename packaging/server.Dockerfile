# syntax=docker/dockerfile:1
# The Knotwork model server: `knotwork serve` on one signed bundle, as a non-root user.
#
# `knotwork bundle dockerfile BUNDLE --output DIR` writes a build context around this recipe
# (the ARG defaults below filled in for that bundle):
#   DIR/bundle or DIR/bundle.zip   the bundle, baked into the default target `bundled`
#   DIR/requirements.txt           the versions the bundle was built and checked with
#   DIR/wheels/                    a Knotwork wheel when Knotwork is not on your index (--wheel)
#   DIR/keys/                      the signer's public key (*.pub) that verifies the bundle
# Build and run:
#   docker build -t my-model DIR && docker run --rm -p 8080:8080 my-model
# Target `server` is the same image without a bundle; mount one at /srv/bundle:
#   docker build --target server -t knotwork-server DIR
#   docker run --rm -p 8080:8080 -v "$PWD/bundles/penguins.zip:/srv/bundle:ro" knotwork-server
# Configure with KNOTWORK_* variables (docker run -e KNOTWORK_TOKEN=...) or arguments after
# the image name, which are appended to `knotwork serve` (a later --port wins).
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS server
ARG KNOTWORK_SPEC=knotwork
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    KNOTWORK_HOME=/srv/knotwork \
    KNOTWORK_WORKSPACE=/srv/workspace
COPY requirements.txt /tmp/requirements.txt
COPY wheels/ /tmp/wheels/
RUN pip install --no-cache-dir --find-links /tmp/wheels -r /tmp/requirements.txt "$KNOTWORK_SPEC" \
 && rm -rf /tmp/wheels /tmp/requirements.txt \
 && useradd --system --uid 10001 --no-create-home --home-dir /srv/workspace knotwork \
 && mkdir -p /srv/workspace /srv/knotwork/keys/trusted \
 && chown knotwork /srv/workspace
# Public keys only: the image verifies the bundle's signature before loading anything.
COPY keys/ /srv/knotwork/keys/trusted/
USER knotwork
WORKDIR /srv/workspace
# The monitoring store (scored rows, feedback) lives here; mount a volume to keep it.
VOLUME /srv/workspace
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/health', timeout=4)"]
ENTRYPOINT ["knotwork", "serve", "/srv/bundle", "--host", "0.0.0.0", "--port", "8080"]

FROM server AS bundled
ARG BUNDLE=bundle
COPY ${BUNDLE} /srv/bundle
