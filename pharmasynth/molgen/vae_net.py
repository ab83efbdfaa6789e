"""The torch network of `SmilesVAE`: a bidirectional GRU encoder and an autoregressive GRU decoder.

Encoder: embedding -> bidirectional GRU (encoder_hidden, encoder_layers) -> (mu, logvar) of q(z|x).
Decoder: z -> initial hidden state of every layer; at each step the input is [token embedding, z]
(teacher forcing in training), as in the MOSES VAE. The encoder may be smaller than the decoder:
the decoder is the language model that has to learn the grammar, the encoder only summarises.
Parameter names are those of the first SmilesVAE (embed, encoder, q_mu, q_logvar, z_to_h, decoder,
out), so folders saved by earlier versions load unchanged.
"""

from __future__ import annotations


def build_net(vocab_size: int, embed_dim: int, hidden_dim: int, num_layers: int, latent_dim: int,
              encoder_hidden_dim: int | None = None, encoder_layers: int | None = None):
    import torch
    from torch import nn

    enc_hidden = int(encoder_hidden_dim or hidden_dim)
    enc_layers = int(encoder_layers or num_layers)

    class VAENet(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
            self.encoder = nn.GRU(embed_dim, enc_hidden, num_layers=enc_layers, batch_first=True,
                                  bidirectional=True)
            self.q_mu = nn.Linear(2 * enc_hidden, latent_dim)
            self.q_logvar = nn.Linear(2 * enc_hidden, latent_dim)
            self.z_to_h = nn.Linear(latent_dim, hidden_dim * num_layers)
            self.decoder = nn.GRU(embed_dim + latent_dim, hidden_dim, num_layers=num_layers, batch_first=True)
            self.out = nn.Linear(hidden_dim, vocab_size)
            self.num_layers, self.hidden_dim, self.latent_dim = num_layers, hidden_dim, latent_dim

        def encode(self, x, lengths):
            emb = self.embed(x)
            packed = nn.utils.rnn.pack_padded_sequence(emb, lengths.cpu(), batch_first=True, enforce_sorted=False)
            _, h = self.encoder(packed)  # (enc_layers*2, B, H): the last layer's two directions
            h = torch.cat([h[-2], h[-1]], dim=-1)
            return self.q_mu(h), self.q_logvar(h)

        def init_hidden(self, z):
            h = self.z_to_h(z).view(z.shape[0], self.num_layers, self.hidden_dim)
            return h.transpose(0, 1).contiguous()

        def decode_step(self, tokens, z, h):
            inp = torch.cat([self.embed(tokens), z.unsqueeze(1).expand(-1, tokens.shape[1], -1)], dim=-1)
            out, h = self.decoder(inp, h)
            return self.out(out), h

        def teacher_forced_logits(self, x, z):
            """Logits of x[:, 1:] given x[:, :-1] and z (the training forward pass)."""
            logits, _ = self.decode_step(x[:, :-1], z, self.init_hidden(z))
            return logits

    return VAENet()


def kl_divergence(mu, logvar):
    """KL(q(z|x) || N(0, I)) per molecule, summed over latent dimensions."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1)


def kl_weight(step: int, kl_weight_max: float, kl_anneal_steps: int, kl_schedule: str = "linear",
              kl_cycle_steps: int = 0) -> float:
    """The KL weight at optimizer step `step`.

    linear: 0 -> kl_weight_max over kl_anneal_steps, then constant (the MOSES VAE's schedule);
    cyclical: the linear ramp repeated every kl_cycle_steps (ramp over the first half of each
    cycle, Fu et al. 2019), which lets the decoder learn to use z before the KL term bites."""
    if kl_schedule == "cyclical" and kl_cycle_steps > 0:
        pos = (step % kl_cycle_steps) / max(1, kl_cycle_steps // 2)
        return kl_weight_max * min(1.0, pos)
    return kl_weight_max * min(1.0, step / max(1, kl_anneal_steps))


def vae_loss(net, x, lengths, eps, beta: float, free_bits: float = 0.0):
    """(loss, reconstruction, kl) of one batch of token ids `x` (padded, <bos> first).

    reconstruction is the mean cross-entropy per token; kl is per molecule. free_bits (nats per
    molecule): the KL term is max(kl, free_bits), so the optimiser gains nothing by pushing the
    posterior below that much information (Kingma et al. 2016) and the latent is not abandoned."""
    import torch

    mu, logvar = net.encode(x, lengths)
    z = mu + eps * torch.exp(0.5 * logvar)
    logits = net.teacher_forced_logits(x, z)
    rec = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                                            ignore_index=0)
    kl = kl_divergence(mu, logvar).mean()
    kl_term = torch.clamp(kl, min=float(free_bits)) if free_bits > 0 else kl
    return rec + beta * kl_term, rec, kl
