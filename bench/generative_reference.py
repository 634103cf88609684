"""Hand-written PyTorch references for the generative benches (gan_quality, vae_quality,
generative_speed): the same architectures as the dcgan-fashion, cgan-fashion and vae-fashion
examples, written as plain modules, trained by loops in the style of the PyTorch examples
(``examples/dcgan/main.py``, ``examples/vae/main.py``) over tensors staged once, and the shared
data loading (full Fashion-MNIST). Not a bench itself.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


# ---- data ---------------------------------------------------------------------------------------------
def fashion_settings(val_fraction: float = 0.0) -> dict:
    """Dataset settings of the full Fashion-MNIST (Debian's copy, or NETCANVAS_FASHION_MNIST=folder)."""
    folder = os.environ.get("NETCANVAS_FASHION_MNIST")
    return {"name": "fashion-mnist", "val_fraction": val_fraction, **({"path": folder} if folder else {})}


def load_fashion(shape: tuple[int, int, int], limit: int | None = None):
    """Full Fashion-MNIST in [0, 1] (not normalized) fitted to ``shape`` (1x32x32 pads), no validation split."""
    from runtime.data import load_dataset

    settings = {**fashion_settings(), "normalize": False, **({"limit": limit} if limit else {})}
    return load_dataset(settings, shape)


# ---- DCGAN --------------------------------------------------------------------------------------------
def dcgan_generator(nz: int = 100, ngf: int = 32, nc: int = 1, classes: int = 0) -> nn.Module:
    """The Generator composite at 32x32: z (+ a label embedding) -> 4x4 -> 8x8 -> 16x16 -> 32x32, Tanh."""
    body = nn.Sequential(
        nn.Unflatten(1, (nz + classes, 1, 1)),
        nn.ConvTranspose2d(nz + classes, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
        nn.ConvTranspose2d(ngf, nc, 4, 2, 1), nn.Tanh())
    return ConditionalGenerator(body, classes) if classes else body


def dcgan_discriminator(ndf: int = 32, nc: int = 1, classes: int = 0) -> nn.Module:
    """The Discriminator composite at 32x32: three 4x4/stride-2 convolutions + LeakyReLU(0.2)
    (BatchNorm after the 2nd and 3rd), Dense to one logit; conditional: projection."""
    body = nn.Sequential(
        nn.Conv2d(nc, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
        nn.Flatten())
    head = nn.Linear(ndf * 4 * 4 * 4, 1)
    return ProjectionDiscriminator(body, head, classes) if classes else nn.Sequential(*body, head)


class ConditionalGenerator(nn.Module):
    def __init__(self, body: nn.Module, classes: int):
        super().__init__()
        self.embed, self.body = nn.Embedding(classes, classes), body

    def forward(self, z, labels):
        return self.body(torch.cat([z, self.embed(labels)], 1))


class ProjectionDiscriminator(nn.Module):
    def __init__(self, body: nn.Module, head: nn.Module, classes: int):
        super().__init__()
        self.body, self.head = body, head
        self.embed = nn.Embedding(classes, head.in_features)

    def forward(self, x, labels):
        h = self.body(x)
        return self.head(h) + (self.embed(labels) * h).sum(1, keepdim=True)


def dcgan_init(m: nn.Module) -> None:
    """The PyTorch DCGAN example's weights_init: N(0, 0.02) convolutions, N(1, 0.02) BatchNorm scales."""
    name = type(m).__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class HandGAN:
    """A DCGAN (or projection cGAN) trained as the PyTorch DCGAN example does: per step, D on a
    real batch then on a detached generated batch (BCE, one optimizer step), then G with the
    non-saturating loss on D(G(z)); Adam(lr 2e-4, betas (0.5, 0.999)) for both.
    ``init``: "dcgan" (the example's weights_init) or "default" (PyTorch's, as NetCanvas builds)."""

    def __init__(self, classes: int = 0, nz: int = 100, width: int = 32, lr: float = 2e-4,
                 betas=(0.5, 0.999), seed: int = 0, init: str = "default", device="cpu"):
        torch.manual_seed(seed)
        self.classes, self.nz, self.device = classes, nz, torch.device(device)
        self.G = dcgan_generator(nz, width, 1, classes).to(self.device)
        self.D = dcgan_discriminator(width, 1, classes).to(self.device)
        if init == "dcgan":
            self.G.apply(dcgan_init)
            self.D.apply(dcgan_init)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr, betas=betas)

    def _d(self, x, labels):
        return self.D(x, labels) if self.classes else self.D(x)

    def step(self, real: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
        n = len(real)
        z = torch.randn(n, self.nz, device=self.device)
        fake_labels = torch.randint(0, self.classes, (n,), device=self.device) if self.classes else None
        fake = self.G(z, fake_labels) if self.classes else self.G(z)
        ones, zeros = torch.ones(n, device=self.device), torch.zeros(n, device=self.device)
        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        self.opt_d.zero_grad()
        err_real = F.binary_cross_entropy_with_logits(self._d(real, labels).view(-1), ones)
        err_real.backward()
        err_fake = F.binary_cross_entropy_with_logits(self._d(fake.detach(), fake_labels).view(-1), zeros)
        err_fake.backward()
        self.opt_d.step()
        # (2) update G: maximize log(D(G(z)))
        self.opt_g.zero_grad()
        err_g = F.binary_cross_entropy_with_logits(self._d(fake, fake_labels).view(-1), ones)
        err_g.backward()
        self.opt_g.step()
        return (err_real + err_fake).item(), err_g.item()  # the example reads its losses every step

    def train(self, x: torch.Tensor, y: torch.Tensor, batch: int, steps: int, log_every: int = 0,
              seed: int = 0, timer: list | None = None) -> None:
        """``steps`` steps over ``x`` (images in [-1, 1]) in shuffled batches, epoch after epoch
        (the last partial batch of an epoch is dropped); ``timer``: (step, time) pairs are appended."""
        gen = torch.Generator(device=x.device).manual_seed(seed)
        per_epoch = len(x) // batch
        done = 0
        self.G.train()
        self.D.train()
        while done < steps:
            perm = torch.randperm(len(x), device=x.device, generator=gen)
            for i in range(per_epoch):
                idx = perm[i * batch:(i + 1) * batch]
                err_d, err_g = self.step(x[idx], y[idx])
                done += 1
                if log_every and done % log_every == 0:
                    print(f"  [{done}/{steps}] loss_D {err_d:.3f} loss_G {err_g:.3f}", flush=True)
                if timer is not None:
                    timer.append((done, time.perf_counter()))
                if done >= steps:
                    return

    @torch.no_grad()
    def generate(self, n: int, labels: torch.Tensor | None = None, seed: int = 0, batch: int = 500) -> torch.Tensor:
        """``n`` images in [0, 1] from the generator in eval mode (as NetCanvas evaluates its own)."""
        self.G.eval()
        gen = torch.Generator().manual_seed(seed)
        outs = []
        for i in range(0, n, batch):
            k = min(batch, n - i)
            z = torch.randn(k, self.nz, generator=gen)
            out = self.G(z, labels[i:i + k]) if self.classes else self.G(z)
            outs.append(((out.float() + 1) / 2).clamp(0, 1))
        self.G.train()
        return torch.cat(outs)


# ---- VAE ----------------------------------------------------------------------------------------------
class VAE(nn.Module):
    """The vae-fashion example written as the PyTorch VAE example: 784 -> hidden (ReLU) -> mu,
    logvar; z = mu + sigma * eps; z -> hidden (ReLU) -> 784 (Sigmoid)."""

    def __init__(self, latent: int = 16, hidden: int = 400, pixels: int = 784):
        super().__init__()
        self.fc1 = nn.Linear(pixels, hidden)
        self.fc21, self.fc22 = nn.Linear(hidden, latent), nn.Linear(hidden, latent)
        self.fc3, self.fc4 = nn.Linear(latent, hidden), nn.Linear(hidden, pixels)

    def encode(self, x):
        h = F.relu(self.fc1(x.flatten(1)))
        return self.fc21(h), self.fc22(h)

    def decode(self, z):
        return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.decode(z), mu, logvar


def vae_loss(recon, x, mu, logvar):
    """The example's loss_function: BCE summed over pixels + KL, summed over the batch."""
    bce = F.binary_cross_entropy(recon, x.reshape(recon.shape), reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld


class HandVAE:
    """The PyTorch VAE example's loop: Adam(lr 1e-3), loss summed over the batch (the example
    divides only for printing), ``loss.item()`` every step as the example accumulates train_loss."""

    def __init__(self, latent: int = 16, hidden: int = 400, lr: float = 1e-3, seed: int = 0, device="cpu"):
        torch.manual_seed(seed)
        self.device = torch.device(device)
        self.model = VAE(latent, hidden).to(self.device)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)

    def train(self, x: torch.Tensor, batch: int, steps: int, seed: int = 0, timer: list | None = None,
              mean: bool = False) -> None:
        """``steps`` steps in shuffled batches, the last partial batch of an epoch dropped.
        The loss is summed over the batch as in the example; ``mean``: divided by the batch size
        (NetCanvas's per-image loss; with Adam only the epsilon term differs)."""
        gen = torch.Generator(device=x.device).manual_seed(seed)
        per_epoch = len(x) // batch
        done = 0
        self.model.train()
        total = 0.0
        while done < steps:
            perm = torch.randperm(len(x), device=x.device, generator=gen)
            for i in range(per_epoch):
                xb = x[perm[i * batch:(i + 1) * batch]]
                self.opt.zero_grad()
                recon, mu, logvar = self.model(xb)
                loss = vae_loss(recon, xb, mu, logvar)
                if mean:
                    loss = loss / len(xb)
                loss.backward()
                total += loss.item()
                self.opt.step()
                done += 1
                if timer is not None:
                    timer.append((done, time.perf_counter()))
                if done >= steps:
                    return

    @torch.no_grad()
    def neg_elbo(self, x: torch.Tensor, seed: int = 0, batch: int = 500) -> float:
        """Test negative ELBO per image: one sampled z per image, BCE summed over pixels + KL."""
        self.model.eval()
        gen = torch.Generator().manual_seed(seed)
        total = 0.0
        for i in range(0, len(x), batch):
            xb = x[i:i + batch]
            mu, logvar = self.model.encode(xb)
            z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=gen)
            total += float(vae_loss(self.model.decode(z), xb, mu, logvar))
        self.model.train()
        return total / len(x)
