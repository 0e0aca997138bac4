#!/usr/bin/env bash
# Builds local stand-ins for mcr.microsoft.com/dotnet/sdk:10.0 and mcr.microsoft.com/dotnet/aspnet:10.0 on a
# machine that cannot pull them (no registry reachable): a Debian bookworm base from debootstrap plus this
# machine's own .NET install. The project's Dockerfiles stay the standard ones and build against these tags.
# Needs root, debootstrap, a running Docker engine and the .NET 10 SDK at $DOTNET_ROOT (default /usr/share/dotnet).
# Skips any tag that already exists.
set -euo pipefail

dotnet_root=${DOTNET_ROOT:-/usr/share/dotnet}
sdk_tag=mcr.microsoft.com/dotnet/sdk:10.0
aspnet_tag=mcr.microsoft.com/dotnet/aspnet:10.0

have() { docker image inspect "$1" >/dev/null 2>&1; }
if have "$sdk_tag" && have "$aspnet_tag"; then
  echo "base images present: $sdk_tag, $aspnet_tag"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "debootstrap: Debian bookworm (minbase) into $work/rootfs"
debootstrap --variant=minbase --include=libicu72,ca-certificates,libssl3,zlib1g bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log"; exit 1; }
rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
# This machine's trust store, so a build stage restores from NuGet through whatever TLS setup the host has.
cp -a /etc/ssl/certs/. "$work/rootfs/etc/ssl/certs/"
[ -d /usr/local/share/ca-certificates ] && cp -a /usr/local/share/ca-certificates/. "$work/rootfs/usr/local/share/ca-certificates/"

import() { # tag, folders of the .NET install to include
  local tag=$1; shift
  local image="$work/image"
  rm -rf "$image" && cp -a "$work/rootfs" "$image"
  mkdir -p "$image/usr/share/dotnet"
  for part in dotnet "$@"; do cp -a "$dotnet_root/$part" "$image/usr/share/dotnet/"; done
  ln -sf /usr/share/dotnet/dotnet "$image/usr/bin/dotnet"
  echo "importing $tag"
  tar -C "$image" -c . | docker import \
    --change 'ENV DOTNET_ROOT=/usr/share/dotnet' \
    --change 'ENV DOTNET_RUNNING_IN_CONTAINER=true' \
    --change 'ENV DOTNET_CLI_TELEMETRY_OPTOUT=1' \
    --change 'ENV DOTNET_NOLOGO=1' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$tag" >/dev/null
}

have "$aspnet_tag" || import "$aspnet_tag" host shared
have "$sdk_tag" || import "$sdk_tag" host shared sdk sdk-manifests packs templates
docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep mcr.microsoft.com/dotnet
