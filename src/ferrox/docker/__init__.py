"""The docker step's support code: variants, builder, images, gates' inputs, publisher, lint.

* ``variants``: the cpu, gpu and minimal images and their ``[docker.<variant>]`` settings;
* ``builder``: buildx when the plugin exists, else the classic builder; builds by image ID;
* ``images``: size, smoke runs (``--version`` and the HEALTHCHECK command), tags, removal;
* ``binary``: the static musl binary the images carry (until the build step provides it);
* ``hadolint``: the Dockerfile linter's findings;
* ``publish``: pushes tagged images to a registry;
* ``dockerfiles``: the Dockerfiles ``ferrox init`` writes;
* ``standin``: local stand-in bases (a busybox root filesystem, ``docker import``ed) for machines
  that cannot pull an image.
"""
