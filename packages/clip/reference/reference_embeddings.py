"""Reference embeddings for sis's fidelity check, computed the way the Python world computes them.

Pixels: Pillow, step for step as transformers' CLIPImageProcessor / SiglipImageProcessor do it
(resize with Python's integer arithmetic and Pillow's filter, centre crop with the offset floored,
rescale, normalise), after the two things sis does on purpose before any model sees an image:
turn it upright by its EXIF orientation, convert it to sRGB through its ICC profile and flatten
transparency onto white. Model: a CLIP transformer written here in PyTorch, loaded with the
weights of the ONNX model sis runs. Text: OpenAI's own token ids (reference-ids.json).

Usage: reference_embeddings.py <model dir> <variant> <fidelity fixtures dir> <token ids json>
Writes <fidelity fixtures dir>/reference-<variant>.json, and pil-resize.json.
"""
import base64
import hashlib
import io
import json
import sys
from pathlib import Path

import numpy as np
import onnx
import PIL
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image, ImageCms, ImageOps


def weights(path):
    model = onnx.load(str(path))
    return {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}


def layer_norm(x, w, name):
    return F.layer_norm(x, (x.shape[-1],), w[f"{name}.weight"], w[f"{name}.bias"], eps=1e-5)


def linear(x, w, name, bias=True):
    y = x @ w[f"{name}.weight"]
    return y + w[f"{name}.bias"] if bias else y


def attention(x, w, name, heads, mask):
    batch, length, width = x.shape
    head = width // heads
    split = lambda t: t.reshape(batch, length, heads, head).transpose(1, 2)
    q = split(linear(x, w, f"{name}.q_proj") * head**-0.5)
    k = split(linear(x, w, f"{name}.k_proj"))
    v = split(linear(x, w, f"{name}.v_proj"))
    scores = q @ k.transpose(-1, -2)
    if mask is not None:
        scores = scores + mask
    context = (scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, width)
    return linear(context, w, f"{name}.out_proj")


def encoder(x, w, layers, heads, mask=None):
    for i in range(layers):
        name = f"encoder.layers.{i}"
        x = x + attention(layer_norm(x, w, f"{name}.layer_norm1"), w, f"{name}.self_attn", heads, mask)
        hidden = linear(layer_norm(x, w, f"{name}.layer_norm2"), w, f"{name}.mlp.fc1")
        x = x + linear(hidden * torch.sigmoid(1.702 * hidden), w, f"{name}.mlp.fc2")
    return x


def embed_image(pixels, w, arch):
    patches = F.conv2d(pixels, w["patch_embedding.weight"], stride=arch["patchSize"])
    tokens = patches.flatten(2).transpose(1, 2)
    cls = w["class_embedding"].expand(tokens.shape[0], 1, -1)
    x = torch.cat([cls, tokens], dim=1) + w["position_embedding"]
    x = encoder(layer_norm(x, w, "pre_layrnorm"), w, arch["visionLayers"], arch["visionHeads"])
    return linear(layer_norm(x[:, 0], w, "post_layernorm"), w, "visual_projection", bias=False)


def embed_text(ids, w, arch):
    ids = torch.tensor([ids])
    length = ids.shape[1]
    x = w["token_embedding"][ids] + w["position_embedding"][:length]
    causal = torch.full((length, length), float("-inf")).triu(1)
    x = layer_norm(encoder(x, w, arch["textLayers"], arch["textHeads"], causal), w, "final_layer_norm")
    # Pooled at the end token, which has the highest id.
    return linear(x[torch.arange(1), ids.argmax(-1)], w, "text_projection", bias=False)


def decode(path):
    """sis's deliberate steps: upright, sRGB through the ICC profile, transparency on white."""
    image = ImageOps.exif_transpose(Image.open(path))
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK", "L"):
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return image.convert("RGB")


def preprocess(image, config):
    """What the checkpoint's image processor does, on Pillow pixels."""
    size = config["size"]
    if "shortest_edge" in size:
        edge = size["shortest_edge"]
        width, height = image.size
        short, long = (width, height) if width <= height else (height, width)
        long = int(edge * long / short)
        target = (edge, long) if width <= height else (long, edge)
    else:
        target = (size["width"], size["height"])
    image = image.resize(target, resample=config["resample"])
    if config.get("do_center_crop"):
        crop = config["crop_size"]
        left = (image.size[0] - crop["width"]) // 2
        top = (image.size[1] - crop["height"]) // 2
        image = image.crop((left, top, left + crop["width"], top + crop["height"]))
    pixels = np.asarray(image, dtype=np.float32) * np.float32(config["rescale_factor"])
    pixels = (pixels - np.array(config["image_mean"], dtype=np.float32)) / np.array(config["image_std"], dtype=np.float32)
    return torch.from_numpy(pixels.transpose(2, 0, 1).copy()).unsqueeze(0)


def encoded(vector):
    vector = F.normalize(vector, dim=-1)[0].to(torch.float32).numpy()
    return base64.b64encode(vector.astype("<f4").tobytes()).decode()


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def pil_resize_cases():
    """Pillow's own output for small resizes, for the byte-exact test of sis's Pillow resize."""
    source = np.random.default_rng(7).integers(0, 256, (23, 37, 3), dtype=np.uint8)
    image = Image.fromarray(source, "RGB")
    cases = []
    for size in [(61, 38), (13, 8), (37, 10), (90, 23)]:
        for resample in [1, 2, 3, 4, 5]:
            out = np.asarray(image.resize(size, resample=resample))
            cases.append({"width": size[0], "height": size[1], "resample": resample, "pixels": base64.b64encode(out.tobytes()).decode()})
    return {"source": {"width": 37, "height": 23, "pixels": base64.b64encode(source.tobytes()).decode()}, "pillow": PIL.__version__, "cases": cases}


def main(model_dir, variant, fixtures, token_ids):
    model_dir, fixtures = Path(model_dir), Path(fixtures)
    arch = json.loads((model_dir / "config.json").read_text())["sis.fixture"]["architecture"]
    config = json.loads((model_dir / "preprocessor_config.json").read_text())
    vision = weights(model_dir / "onnx/vision_model.onnx")
    text = weights(model_dir / "onnx/text_model.onnx")
    images = json.loads((fixtures / "images/images.json").read_text())
    torch.set_grad_enabled(False)
    result = {
        "variant": variant,
        "made": {"torch": torch.__version__, "pillow": PIL.__version__, "numpy": np.__version__},
        "model": {"vision": sha256(model_dir / "onnx/vision_model.onnx"), "text": sha256(model_dir / "onnx/text_model.onnx")},
        "images": [
            {**entry, "embedding": encoded(embed_image(preprocess(decode(fixtures / "images" / entry["file"]), config), vision, arch))}
            for entry in images
        ],
        "texts": [{"text": q["text"], "embedding": encoded(embed_text(q["ids"], text, arch))} for q in json.loads(Path(token_ids).read_text())],
    }
    (fixtures / f"reference-{variant}.json").write_text(json.dumps(result, indent=1) + "\n")
    (fixtures / "pil-resize.json").write_text(json.dumps(pil_resize_cases()) + "\n")
    print(f"wrote {fixtures / f'reference-{variant}.json'}: {len(result['images'])} images, {len(result['texts'])} texts")


if __name__ == "__main__":
    main(*sys.argv[1:])
