#!/usr/bin/env python3
"""Export an ImageNet model from torchvision as a TorchScript feature extractor for actrec.

Not needed by actrec or its tests; for users who have Python with torch and torchvision. The
exported module takes float32 NCHW images normalised as configs/backbones/torchvision_*.yaml
says and returns the pooled penultimate features [N, C].

    python3 scripts/export_torchvision.py resnet18 models/resnet18.pt
    build/bin/actrec extract -c configs/backbones/torchvision_resnet18.yaml VIDEO -o features/
"""
import sys

import torch
import torchvision


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    name, out = sys.argv[1], sys.argv[2]
    model = torchvision.models.get_model(name, weights="DEFAULT").eval()
    # Drop the classifier: keep everything up to the pooled features.
    if hasattr(model, "fc"):
        model.fc = torch.nn.Identity()
    elif hasattr(model, "classifier"):
        model.classifier = torch.nn.Identity()
    else:
        sys.exit(f"{name}: no fc or classifier layer to remove")
    scripted = torch.jit.trace(model, torch.zeros(1, 3, 224, 224))
    scripted.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
