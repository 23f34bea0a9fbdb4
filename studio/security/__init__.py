"""Security services shared by deploy, registry and serve: secrets, signing, audit."""
