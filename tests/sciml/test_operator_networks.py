"""FNO, DeepONet, U-Net and operator losses: checked against FFTs, analytic norms and gradcheck."""

import itertools
import math

import pytest
import torch

from sciml.networks import FNO, CartesianDeepONet, DeepONet, SpectralConv, UNet, build_network
from sciml.training import relative_h1, relative_lp


def fft_reference(sc: SpectralConv, v: torch.Tensor) -> torch.Tensor:
    """Li et al.'s FFT formulation: rfftn, multiply the kept corner blocks, irfftn (channels-first)."""
    d = len(sc.modes)
    grid = v.shape[:d]
    x = v.movedim(d, 0).movedim(-1, 1)
    xf = torch.fft.rfftn(x, dim=tuple(range(2, 2 + d)))
    w = torch.view_as_complex(sc.weight)
    out = torch.zeros(x.shape[0], sc.out_channels, *xf.shape[2:], dtype=xf.dtype)
    for signs in itertools.product((0, 1), repeat=d - 1):
        sl = tuple(slice(0, m) if s == 0 else slice(n - m, n) for s, m, n in zip(signs, sc.modes[:-1], grid[:-1]))
        wsl = tuple(slice(0, m) if s == 0 else slice(m, 2 * m) for s, m in zip(signs, sc.modes[:-1]))
        sl, wsl = sl + (slice(0, sc.modes[-1]),), wsl + (slice(None),)
        out[(slice(None), slice(None), *sl)] = torch.einsum(
            "bi...,...io->bo...", xf[(slice(None), slice(None), *sl)], w[wsl]
        )
    y = torch.fft.irfftn(out, s=grid, dim=tuple(range(2, 2 + d)))
    return y.movedim(1, -1).movedim(0, d)


@pytest.mark.parametrize(
    "modes,grid", [((5,), (32,)), ((5,), (33,)), ((4, 3), (16, 12)), ((4, 3), (17, 9)), ((3, 2, 3), (8, 6, 10))]
)
def test_truncated_dft_spectral_conv_equals_fft_formulation(float64, modes, grid):
    sc = SpectralConv(3, 2, modes).double()
    v = torch.randn(*grid, 4, 3)
    torch.testing.assert_close(sc(v), fft_reference(sc, v), atol=1e-12, rtol=1e-12)


def test_spectral_conv_gradcheck(float64):
    """Float64 gradcheck with respect to the input field and to the complex spectral weights."""
    sc = SpectralConv(2, 2, (3, 2)).double()
    v = torch.randn(8, 6, 2, 2, requires_grad=True)
    assert torch.autograd.gradcheck(sc, (v,))
    w = sc.weight.detach().clone().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda w: torch.func.functional_call(sc, {"weight": w}, (v.detach(),)), (w,))


def test_spectral_conv_is_discretisation_invariant(float64):
    """A band-limited input sampled at n and 2n gives the same output at the shared points."""
    sc = SpectralConv(1, 1, (6,)).double()

    def field(n):
        x = torch.arange(n) / n
        return (torch.sin(2 * math.pi * x) + 0.3 * torch.cos(2 * math.pi * 4 * x))[:, None, None]

    coarse, fine = sc(field(32)), sc(field(64))
    torch.testing.assert_close(fine[::2], coarse, atol=1e-12, rtol=0)


def test_fno_learns_the_heat_semigroup():
    """u(·,0) ↦ u(·,t) of u_t = κ u_xx is diagonal in Fourier space, so an FNO fits it quickly."""
    torch.manual_seed(0)
    n, kappa, t = 64, 0.01, 0.5
    k = torch.fft.rfftfreq(n, 1.0 / n) * 2 * math.pi

    def data(b):
        u0 = n * torch.randn(b, 1, n // 2 + 1, dtype=torch.complex64) * torch.exp(-0.1 * k)  # O(1) values
        u0[..., 0] = 0
        return torch.fft.irfft(u0, n=n), torch.fft.irfft(u0 * torch.exp(-kappa * k**2 * t), n=n)

    x, y = data(256)
    xt, yt = data(64)
    model = FNO(1, 1, (16,), width=16, layers=2, projection=32, positional=False)
    opt = torch.optim.Adam(model.parameters(), 2e-3)
    sched = torch.optim.lr_scheduler.StepLR(opt, 100, 0.5)
    with torch.no_grad():
        before = float(relative_lp(model(xt), yt))
    for i in range(400):
        opt.zero_grad()
        loss = relative_lp(model(x[(i * 32) % 256 :][:32]), y[(i * 32) % 256 :][:32])
        loss.backward()
        opt.step()
        sched.step()
    with torch.no_grad():
        after = float(relative_lp(model(xt), yt))
    assert after < 0.03 and before > 0.5


def test_fno_shapes_errors_and_registry():
    m = FNO(2, 3, (4, 4), width=8, layers=2, padding=3)
    assert m(torch.randn(2, 2, 17, 12)).shape == (2, 3, 17, 12)
    assert build_network(m.spec())(torch.randn(1, 2, 16, 16)).shape == (1, 3, 16, 16)
    assert FNO(1, 1, (3, 3, 2), width=4, layers=1)(torch.randn(1, 1, 8, 8, 6)).shape == (1, 1, 8, 8, 6)
    with pytest.raises(ValueError, match="too coarse"):
        FNO(1, 1, (12,), width=4)(torch.randn(1, 1, 16))
    with pytest.raises(ValueError, match=r"expects input \[batch, 2"):
        m(torch.randn(2, 1, 16, 16))


def test_cartesian_deeponet_equals_paired_deeponet():
    torch.manual_seed(0)
    cart = CartesianDeepONet(10, 2, (16,), (16,), basis=8, out_channels=2)
    paired = DeepONet(10, 2, (16,), (16,), basis=8, out_channels=2)
    paired.load_state_dict(cart.state_dict())
    u, y = torch.randn(3, 10), torch.randn(5, 2)
    out = cart(u, y)
    ref = paired(u.repeat_interleave(5, 0), y.repeat(3, 1)).reshape(3, 5, 2)
    torch.testing.assert_close(out, ref)
    with pytest.raises(ValueError, match="sensor values"):
        cart(torch.randn(3, 9), y)


def test_unet_handles_odd_grids_and_trains():
    net = UNet(1, 2, base=8, levels=2)
    x = torch.randn(2, 1, 21, 13, requires_grad=True)
    out = net(x)
    assert out.shape == (2, 2, 21, 13)
    out.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


def test_relative_losses_match_analytic_norms(float64):
    n, eps = 128, 0.1
    x = torch.arange(n) / n
    u = torch.sin(2 * math.pi * x)[None]
    e = eps * torch.sin(4 * math.pi * x)[None]
    assert abs(float(relative_lp(u + e, u)) - eps) < 1e-12
    expected = eps * math.sqrt((1 + 16 * math.pi**2) / (1 + 4 * math.pi**2))
    assert abs(float(relative_h1(u + e, u, dims=1, periodic=True)) - expected) < 1e-10
    assert abs(float(relative_h1(u + e, u, dims=1, periodic=False)) - expected) < 5e-3
    with pytest.raises(ValueError, match="differs from target"):
        relative_lp(u, u[:, :5])


def test_fractional_padding_keeps_the_padded_domain_size():
    """padding=0.25 pads 4 points at n=17 and 8 at n=33: the same physical extension at both resolutions."""
    m = FNO(1, 1, (4, 4), width=4, layers=1, padding=0.25)
    seen = []
    m.spectral[0].register_forward_pre_hook(lambda mod, inp: seen.append(tuple(inp[0].shape[:2])))
    m(torch.randn(1, 1, 17, 17))
    m(torch.randn(1, 1, 33, 33))
    assert seen == [(21, 21), (41, 41)]
    with pytest.raises(ValueError, match="padding"):
        FNO(1, 1, (4,), padding=2.5)
