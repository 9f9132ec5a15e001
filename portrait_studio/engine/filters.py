"""Small image filters shared by the effects (float32 arrays, OpenCV underneath)."""

from __future__ import annotations

import cv2
import numpy as np

# ITU-R BT.601 luma weights (the JPEG/JFIF Y'CbCr definition).
LUMA = np.array([0.299, 0.587, 0.114], np.float32)
LINEAR_HALVING = 1.4  # see shrink(exact=False)


def luma(rgb: np.ndarray) -> np.ndarray:
    """Luma (H×W float32) of an RGB float32 image."""
    return np.ascontiguousarray(rgb @ LUMA)


def shrink(img: np.ndarray, out_w: int, out_h: int, *, exact: bool = True) -> np.ndarray:
    """`img` shrunk to out_w × out_h by area averaging (no aliasing: OpenCV's recommended filter).

    Exact halvings first: OpenCV has a fast path for whole-number factors, which cuts a big shrink's time
    by three quarters or more (a 12 MP photo to a 576 px copy: 44 → 11 ms), for the same look.

    The last step, by a factor under 2, takes OpenCV's general area filter (70 ms for a 12 MP photo to
    1536 × 2048, one thread). With `exact` False a step of at least LINEAR_HALVING is made as a bilinear
    enlargement to twice the output and one exact halving instead: 29 ms there, within 2 grey levels of
    the area filter at factors near 2 (mean 0.1) and within 22 at the sharpest edges at 1.4 (mean 0.2–0.6,
    PSNR ≥ 47 dB on the real test faces). Nearer 1 the two differ more (the bilinear step softens).
    """
    while img.shape[1] >= 2 * out_w + 2 and img.shape[0] >= 2 * out_h + 2:
        hh, ww = img.shape[0] // 2 * 2, img.shape[1] // 2 * 2
        img = cv2.resize(img[:hh, :ww], (ww // 2, hh // 2), interpolation=cv2.INTER_AREA)
    if not exact and min(img.shape[1] / out_w, img.shape[0] / out_h) >= LINEAR_HALVING:
        img = cv2.resize(img, (2 * out_w, 2 * out_h), interpolation=cv2.INTER_LINEAR)
    return cv2.resize(img, (out_w, out_h), interpolation=cv2.INTER_AREA)


def gauss(img: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur; large sigmas run on a shrunk copy (same look, a fraction of the time)."""
    if sigma <= 0:
        return img.copy()
    if sigma < 6:
        return cv2.GaussianBlur(img, (0, 0), sigma, borderType=cv2.BORDER_REFLECT)
    h, w = img.shape[:2]
    return cv2.resize(_shrunk_blur(img, sigma), (w, h), interpolation=cv2.INTER_LINEAR)


def _shrunk_blur(img: np.ndarray, sigma: float) -> np.ndarray:
    """The blur of `img` on a copy shrunk by sigma // 3 (at least 1). Shrinking by f then blurring with
    sigma/f approximates the blur within a few per cent for sigma/f ≥ 2 (the shrink's own area filter adds
    ~f/√12 of blur, tiny next to sigma)."""
    h, w = img.shape[:2]
    f = max(1, int(sigma // 3))
    small = cv2.resize(img, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(small, (0, 0), sigma / f, borderType=cv2.BORDER_REFLECT)


def sobel2_at(img: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OpenCV's 3 × 3 Sobel second derivatives (d²/dx², d²/dy², d²/dxdy) of a 2-D float32 image, at the
    pixels (ys, xs) only: for a few hundred points, three whole-image Sobel passes are mostly waste. The
    border is OpenCV's default, a reflection without the edge pixel."""
    p = cv2.copyMakeBorder(img, 1, 1, 1, 1, cv2.BORDER_REFLECT_101)
    ys, xs = ys + 1, xs + 1

    def at(dy: int, dx: int) -> np.ndarray:
        return p[ys + dy, xs + dx]

    centre, left, right, up, down = at(0, 0), at(0, -1), at(0, 1), at(-1, 0), at(1, 0)
    up_left, up_right, down_left, down_right = at(-1, -1), at(-1, 1), at(1, -1), at(1, 1)
    # Each second difference [1, -2, 1] smoothed across by [1, 2, 1]; the mixed one is [-1, 0, 1] twice.
    dxx = (
        2 * (left - 2 * centre + right) + (up_left - 2 * up + up_right) + (down_left - 2 * down + down_right)
    )
    dyy = (
        2 * (up - 2 * centre + down) + (up_left - 2 * left + down_left) + (up_right - 2 * right + down_right)
    )
    return dxx, dyy, up_left - up_right - down_left + down_right


def masked_gauss(img: np.ndarray, mask: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian mean of `img` over `mask` only (normalised convolution: Knutsson & Westin 1993)."""
    m = mask[..., None] if img.ndim == 3 else mask
    num = gauss(img * m, sigma)
    den = gauss(mask, sigma)
    den = den[..., None] if img.ndim == 3 else den
    return num / np.maximum(den, 1e-4)


def wide_mean(weighted: np.ndarray, weight: np.ndarray, sigma: float) -> np.ndarray:
    """masked_gauss for a wide sigma, from the products at hand (`weighted` = values × weights, H×W×C;
    `weight` H×W): divided on the shrunk copy gauss blurs on (_shrunk_blur), and enlarged once. Both
    sums are smooth there, and two enlargements and a division at full size were most of masked_gauss's
    time (8 → 3.4 ms for a 3-channel 0.8 MP region)."""
    h, w = weight.shape
    num, den = _shrunk_blur(weighted, sigma), _shrunk_blur(weight, sigma)
    return cv2.resize(num / np.maximum(den, 1e-4)[..., None], (w, h), interpolation=cv2.INTER_LINEAR)


def guided(guide: np.ndarray, src: np.ndarray, radius: int, eps: float, sub: int = 1) -> np.ndarray:
    """Edge-preserving smoothing of `src` by the guided filter (He, Sun, Tang 2013), gray guide.

    `sub` > 1 runs the box filters on a copy shrunk by `sub` (the "fast guided filter", He & Sun 2015).
    """
    h, w = guide.shape[:2]
    if sub > 1:
        size = (max(1, w // sub), max(1, h // sub))
        g = cv2.resize(guide, size, interpolation=cv2.INTER_AREA)
        p = cv2.resize(src, size, interpolation=cv2.INTER_AREA)
        radius = max(1, radius // sub)
    else:
        g, p = guide, src
    k = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, k, borderType=cv2.BORDER_REFLECT)

    mean_g = box(g)
    var_g = box(g * g) - mean_g * mean_g
    gx = g[..., None] if p.ndim == 3 else g
    mg = mean_g[..., None] if p.ndim == 3 else mean_g
    mean_p = box(p)
    a = (box(gx * p) - mg * mean_p) / ((var_g + eps)[..., None] if p.ndim == 3 else var_g + eps)
    b = mean_p - a * mg
    a, b = box(a), box(b)
    if sub > 1:
        a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
        b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    return a * (guide[..., None] if src.ndim == 3 else guide) + b


__all__ = ["LUMA", "gauss", "guided", "luma", "masked_gauss", "shrink"]
