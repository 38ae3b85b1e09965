"""Writes a small CMYK output profile (ICC v2, CMYK <-> Lab lookup tables) for the fidelity fixtures.

A simple press-like model: CMYK ink to RGB by the subtractive formula with a gentle dot-gain
curve, through sRGB to Lab; back with grey-component replacement. It only has to be a real,
freely licensed CMYK profile, as print files carry. libvips' own CMYK profile ("Chemical proof",
its fallback for CMYK without one) will not do: libvips and Pillow's LittleCMS convert its dark
blues up to 23 levels apart, where they agree to 1 level on this one.

Run once (Debian's python3-pil brings LittleCMS); the profile is committed as
packages/clip/fixtures/fidelity/sis-cmyk.icc, and the header's creation time differs run to run.
Usage: make_cmyk_profile.py <out.icc>
"""
import ctypes
import ctypes.util
import sys

lcms = ctypes.CDLL(ctypes.util.find_library("lcms2"))
V = ctypes.c_void_p
for name, restype, argtypes in [
    ("cmsCreateProfilePlaceholder", V, [V]),
    ("cmsSetProfileVersion", None, [V, ctypes.c_double]),
    ("cmsSetDeviceClass", None, [V, ctypes.c_uint32]),
    ("cmsSetColorSpace", None, [V, ctypes.c_uint32]),
    ("cmsSetPCS", None, [V, ctypes.c_uint32]),
    ("cmsSetHeaderRenderingIntent", None, [V, ctypes.c_uint32]),
    ("cmsPipelineAlloc", V, [V, ctypes.c_uint32, ctypes.c_uint32]),
    ("cmsStageAllocCLut16bit", V, [V, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32, V]),
    ("cmsPipelineInsertStage", ctypes.c_int, [V, ctypes.c_int, V]),
    ("cmsWriteTag", ctypes.c_int, [V, ctypes.c_uint32, V]),
    ("cmsMLUalloc", V, [V, ctypes.c_uint32]),
    ("cmsMLUsetASCII", ctypes.c_int, [V, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p]),
    ("cmsD50_XYZ", V, []),
    ("cmsSaveProfileToMem", ctypes.c_int, [V, V, ctypes.POINTER(ctypes.c_uint32)]),
    ("cmsCreate_sRGBProfile", V, []),
    ("cmsCreateLab4Profile", V, [V]),
    ("cmsCreateTransform", V, [V, ctypes.c_uint32, V, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint32]),
    ("cmsDoTransform", None, [V, V, V, ctypes.c_uint32]),
    ("cmsFloat2LabEncoded", None, [ctypes.POINTER(ctypes.c_uint16), ctypes.POINTER(ctypes.c_double * 3)]),
    ("cmsLabEncoded2Float", None, [ctypes.POINTER(ctypes.c_double * 3), ctypes.POINTER(ctypes.c_uint16)]),
]:
    fn = getattr(lcms, name)
    fn.restype, fn.argtypes = restype, argtypes
lcms.cmsStageSampleCLut16bit.restype = ctypes.c_int

SAMPLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_uint16), ctypes.POINTER(ctypes.c_uint16), V)
lcms.cmsStageSampleCLut16bit.argtypes = [V, SAMPLER, V, ctypes.c_uint32]
TYPE_RGB_DBL = (1 << 22) | (4 << 16) | (3 << 3) | 0
TYPE_Lab_DBL = (1 << 22) | (10 << 16) | (3 << 3) | 0
srgb, lab = lcms.cmsCreate_sRGBProfile(), lcms.cmsCreateLab4Profile(None)
to_lab = lcms.cmsCreateTransform(srgb, TYPE_RGB_DBL, lab, TYPE_Lab_DBL, 1, 0)
to_rgb = lcms.cmsCreateTransform(lab, TYPE_Lab_DBL, srgb, TYPE_RGB_DBL, 1, 0)


def gain(v):
    return v + 0.12 * v * (1 - v)  # ink spreads: mid-tones print darker


def ungain(v):
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if gain(mid) < v else (lo, mid)
    return (lo + hi) / 2


@SAMPLER
def cmyk_to_lab(inp, out, _):
    c, m, y, k = (gain(inp[i] / 65535) for i in range(4))
    rgb = (ctypes.c_double * 3)(*((1 - v) * (1 - k) for v in (c, m, y)))
    labv = (ctypes.c_double * 3)()
    lcms.cmsDoTransform(to_lab, rgb, labv, 1)
    lcms.cmsFloat2LabEncoded(out, ctypes.byref(labv))
    return 1


@SAMPLER
def lab_to_cmyk(inp, out, _):
    labv = (ctypes.c_double * 3)()
    lcms.cmsLabEncoded2Float(ctypes.byref(labv), inp)
    rgb = (ctypes.c_double * 3)()
    lcms.cmsDoTransform(to_rgb, labv, rgb, 1)
    r, g, b = (min(max(v, 0.0), 1.0) for v in rgb)
    k = 1 - max(r, g, b)
    cmy = [0.0, 0.0, 0.0] if k >= 1 else [(1 - v - k) / (1 - k) for v in (r, g, b)]
    for i, v in enumerate([*cmy, k]):
        out[i] = round(ungain(min(max(v, 0.0), 1.0)) * 65535)
    return 1


def sig(text):
    return int.from_bytes(text.encode(), "big")


def lut(inputs, outputs, grid, sampler):
    pipeline = lcms.cmsPipelineAlloc(None, inputs, outputs)
    stage = lcms.cmsStageAllocCLut16bit(None, grid, inputs, outputs, None)
    lcms.cmsStageSampleCLut16bit(stage, sampler, None, 0)
    lcms.cmsPipelineInsertStage(pipeline, 1, stage)
    return pipeline


def text(value):
    mlu = lcms.cmsMLUalloc(None, 1)
    lcms.cmsMLUsetASCII(mlu, b"en", b"US", value.encode())
    return mlu


profile = lcms.cmsCreateProfilePlaceholder(None)
lcms.cmsSetProfileVersion(profile, 2.1)
lcms.cmsSetDeviceClass(profile, sig("prtr"))
lcms.cmsSetColorSpace(profile, sig("CMYK"))
lcms.cmsSetPCS(profile, sig("Lab "))
lcms.cmsWriteTag(profile, sig("desc"), text("sis fidelity test CMYK"))
lcms.cmsWriteTag(profile, sig("cprt"), text("No copyright, use freely (CC0)"))
lcms.cmsWriteTag(profile, sig("wtpt"), lcms.cmsD50_XYZ())
for intent in ("0",):
    lcms.cmsWriteTag(profile, sig(f"A2B{intent}"), lut(4, 3, 9, cmyk_to_lab))
    lcms.cmsWriteTag(profile, sig(f"B2A{intent}"), lut(3, 4, 17, lab_to_cmyk))
size = ctypes.c_uint32()
lcms.cmsSaveProfileToMem(profile, None, ctypes.byref(size))
buffer = ctypes.create_string_buffer(size.value)
lcms.cmsSaveProfileToMem(profile, buffer, ctypes.byref(size))
open(sys.argv[1], "wb").write(buffer.raw)
print(f"wrote {sys.argv[1]}: {size.value} bytes")
