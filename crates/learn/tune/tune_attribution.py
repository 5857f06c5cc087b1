#!/usr/bin/env python3
"""Fine-tune MiniLM for attribution tagging on a GPU, and distil it into the static head.

Reads what `onrecord-learn export` wrote (wordpiece ids, each text-layer token's wordpiece range,
its rule features as a bit mask, gold BIO labels), so the input is exactly what the Rust tagger
computes. Writes safetensors that the Rust side loads with candle on the CPU:

- `attribution-head-tuned.safetensors`: the head (`proj.*`, `ctx{i}.*`, `out.*`, the same
  architecture as crates/learn/src/model.rs) and the encoder changes under `encoder.`: low-rank
  adapters (`K.lora_a`, `K.lora_b` with the scale folded in, so W' = W + lora_b @ lora_a) and the
  fine-tuned layer norms (`K` replaces the base tensor).
- `attribution-head-static.safetensors` (with `--distil`): the static head (MiniLM input-layer
  vectors, no transformer) trained on the gold labels plus the tuned model's soft labels on
  unlabelled articles.

Everything is seeded; the log has the loss and dev span F1 per epoch. The model must match
candle's BERT: erf GELU in the encoder, tanh GELU in the head, layer-norm eps from config.json.
"""

import argparse
import gzip
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HIDDEN = 128  # crates/learn/src/model.rs HIDDEN
NLABELS = 7


def log(msg, f=None):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    if f is not None:
        f.write(line + "\n")
        f.flush()


# ---------------------------------------------------------------- data


def read_export(path, max_docs=None):
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path += ".gz"
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        header = json.loads(f.readline())
        assert header["format"] == "onrecord-tune-1", header
        docs = []
        for line in f:
            d = json.loads(line)
            docs.append(d)
            if max_docs and len(docs) >= max_docs:
                break
    return header, docs


def window_starts(n, window, overlap):
    """crates/embed/src/lib.rs window_starts."""
    stride = window - overlap
    starts = [0]
    while starts[-1] + window < n:
        starts.append(min(starts[-1] + stride, max(n - window, 0)))
    return starts


class Prepared:
    """One document as tensors-to-be: encoder windows, where each piece's state comes from,
    each token's piece range, extras, labels."""

    def __init__(self, d, header):
        ids = d["ids"]
        n = len(ids)
        w, ov = header["window"], header["overlap"]
        self.n_pieces = n
        self.windows = []  # lists of ids incl. CLS/SEP
        # Where piece p's state comes from: window src_win[p], position src_pos[p] in it.
        self.src_win = [0] * n
        self.src_pos = [0] * n
        if n:
            for k, s in enumerate(window_starts(n, w, ov)):
                e = min(s + w, n)
                self.windows.append([header["cls"]] + ids[s:e] + [header["sep"]])
                lo = 0 if s == 0 else s + ov // 2
                hi = n if e == n else e - ov // 2
                for p in range(max(lo, s), min(hi, e)):
                    self.src_win[p] = k
                    self.src_pos[p] = p - s + 1
        r = d["ranges"]
        self.p = r[0::2]
        self.q = r[1::2]
        self.n_tokens = len(self.p)
        bits = d["extras"]
        extra = header["extra"]
        self.extras = [[(b >> k) & 1 for k in range(extra)] for b in bits]
        self.n_extra = extra
        self.labels = d.get("labels")
        self.ids = ids


def batch_inputs(docs, device):
    """Encoder input for all windows of `docs`, plus gather indices for pieces and tokens."""
    wins = [w for d in docs for w in d.windows]
    if not wins:
        wins = [[101, 102]]
    L = max(len(w) for w in wins)
    ids = torch.zeros((len(wins), L), dtype=torch.long)
    mask = torch.zeros((len(wins), L), dtype=torch.long)
    for i, w in enumerate(wins):
        ids[i, : len(w)] = torch.tensor(w)
        mask[i, : len(w)] = 1
    T = max(d.n_tokens for d in docs)
    B = len(docs)
    # Token pooling as a difference of cumulative sums over each document's pieces: gather rows.
    piece_rows = []  # flat index into (windows*L) for every piece of every doc, doc-major
    piece_off = []
    base_win = 0
    off = 0
    for d in docs:
        piece_off.append(off)
        for p in range(d.n_pieces):
            piece_rows.append((base_win + d.src_win[p]) * L + d.src_pos[p])
        off += d.n_pieces
        base_win += len(d.windows)
    tp = torch.zeros((B, T), dtype=torch.long)
    tq = torch.zeros((B, T), dtype=torch.long)
    tmask = torch.zeros((B, T))
    extras = torch.zeros((B, T, docs[0].n_extra))
    labels = torch.zeros((B, T), dtype=torch.long)
    for b, d in enumerate(docs):
        n = d.n_tokens
        if n == 0:
            continue
        # Cumsum index: piece_off[b] + b (one leading zero row per doc).
        tp[b, :n] = torch.tensor(d.p) + piece_off[b] + b
        tq[b, :n] = torch.tensor(d.q) + piece_off[b] + b
        tmask[b, :n] = 1
        extras[b, :n] = torch.tensor(d.extras, dtype=torch.float)
        if d.labels is not None:
            labels[b, :n] = torch.tensor(d.labels)
    cs_index = []  # position of each piece in the cumsum layout (after each doc's zero row)
    for b, d in enumerate(docs):
        cs_index.extend(range(piece_off[b] + b + 1, piece_off[b] + b + 1 + d.n_pieces))
    return {
        "ids": ids.to(device),
        "mask": mask.to(device),
        "piece_rows": torch.tensor(piece_rows, dtype=torch.long).to(device),
        "cs_index": torch.tensor(cs_index, dtype=torch.long).to(device),
        "cs_len": off + B,
        "tp": tp.to(device),
        "tq": tq.to(device),
        "tmask": tmask.to(device),
        "extras": extras.to(device),
        "labels": labels.to(device),
        "piece_ids": torch.tensor([i for d in docs for i in d.ids] or [0], dtype=torch.long).to(device),
    }


def pool(piece_states, inp):
    """Mean of each token's pieces (zeros where a token has none), (B, T, D)."""
    D = piece_states.shape[-1]
    cs_src = torch.zeros((inp["cs_len"], D), device=piece_states.device, dtype=piece_states.dtype)
    if piece_states.shape[0]:
        cs_src[inp["cs_index"]] = piece_states
    # Cumulative sums restart per document: each doc begins with its zero row, and a token's
    # p..q range never leaves its document, so a global cumsum works (differences cancel).
    cs = cs_src.cumsum(0)
    tp, tq = inp["tp"], inp["tq"]
    summed = cs[tq] - cs[tp]
    count = (tq - tp).clamp(min=1).unsqueeze(-1).to(summed.dtype)
    return summed / count * inp["tmask"].unsqueeze(-1)


# ---------------------------------------------------------------- encoder


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r, alpha, dropout):
        super().__init__()
        self.base = base
        self.r = r
        if r > 0:
            self.a = nn.Parameter(torch.randn(r, base.in_features) / math.sqrt(base.in_features))
            self.b = nn.Parameter(torch.zeros(base.out_features, r))
            self.scale = alpha / r
            self.drop = nn.Dropout(dropout)

    def forward(self, x):
        y = self.base(x)
        if self.r > 0:
            y = y + (self.drop(x) @ self.a.t() @ self.b.t()) * self.scale
        return y


class Bert(nn.Module):
    """BERT as candle-transformers runs it (post-norm, erf GELU)."""

    def __init__(self, cfg, weights, r, alpha, lora_dropout, hidden_dropout, layers=None):
        super().__init__()
        H, I = cfg["hidden_size"], cfg["intermediate_size"]
        self.heads = cfg["num_attention_heads"]
        self.eps = cfg["layer_norm_eps"]
        self.nlayers = layers or cfg["num_hidden_layers"]
        self.drop = nn.Dropout(hidden_dropout)
        g = lambda k: weights[k].float()
        self.word = nn.Embedding.from_pretrained(g("embeddings.word_embeddings.weight"), freeze=True)
        self.pos = nn.Embedding.from_pretrained(g("embeddings.position_embeddings.weight"), freeze=True)
        self.typ = nn.Embedding.from_pretrained(g("embeddings.token_type_embeddings.weight"), freeze=True)
        self.ln_names = []
        self.norms = nn.ModuleDict()
        self.lins = nn.ModuleDict()
        self.lin_names = {}

        def norm(name):
            ln = nn.LayerNorm(H, eps=self.eps)
            ln.weight.data.copy_(g(name + ".weight"))
            ln.bias.data.copy_(g(name + ".bias"))
            self.norms[name.replace(".", "_")] = ln
            self.ln_names.append(name)
            return ln

        def lin(name, i, o):
            l = nn.Linear(i, o)
            l.weight.data.copy_(g(name + ".weight"))
            l.bias.data.copy_(g(name + ".bias"))
            l.weight.requires_grad_(False)
            l.bias.requires_grad_(False)
            m = LoRALinear(l, r, alpha, lora_dropout)
            self.lins[name.replace(".", "_")] = m
            self.lin_names[name.replace(".", "_")] = name
            return m

        self.emb_ln = norm("embeddings.LayerNorm")
        self.layers = []
        for i in range(self.nlayers):
            p = f"encoder.layer.{i}."
            self.layers.append(
                dict(
                    q=lin(p + "attention.self.query", H, H),
                    k=lin(p + "attention.self.key", H, H),
                    v=lin(p + "attention.self.value", H, H),
                    o=lin(p + "attention.output.dense", H, H),
                    ln1=norm(p + "attention.output.LayerNorm"),
                    i=lin(p + "intermediate.dense", H, I),
                    out=lin(p + "output.dense", I, H),
                    ln2=norm(p + "output.LayerNorm"),
                )
            )

    def forward(self, ids, mask):
        B, L = ids.shape
        pos = torch.arange(L, device=ids.device).unsqueeze(0)
        x = self.word(ids) + self.pos(pos) + self.typ(torch.zeros_like(ids))
        x = self.drop(self.emb_ln(x))
        keep = mask[:, None, None, :].bool()  # True: attend (padding keys are masked)
        hd = x.shape[-1] // self.heads
        for l in self.layers:
            q = l["q"](x).view(B, L, self.heads, hd).transpose(1, 2)
            k = l["k"](x).view(B, L, self.heads, hd).transpose(1, 2)
            v = l["v"](x).view(B, L, self.heads, hd).transpose(1, 2)
            att = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            att = att.transpose(1, 2).reshape(B, L, -1)
            x = l["ln1"](self.drop(l["o"](att)) + x)
            h = F.gelu(l["i"](x))  # erf GELU, as candle's HiddenAct::Gelu
            x = l["ln2"](self.drop(l["out"](h)) + x)
        return x

    def adapter_tensors(self):
        """encoder.* tensors for the Rust loader."""
        out = {}
        for name, m in self.lins.items():
            if m.r > 0:
                key = self.lin_names[name] + ".weight"
                out[f"encoder.{key}.lora_a"] = m.a.detach().float().contiguous()
                out[f"encoder.{key}.lora_b"] = (m.b.detach().float() * m.scale).contiguous()
        for n in self.ln_names:
            ln = self.norms[n.replace(".", "_")]
            out[f"encoder.{n}.weight"] = ln.weight.detach().float().contiguous()
            out[f"encoder.{n}.bias"] = ln.bias.detach().float().contiguous()
        return out


def load_tuned(model, t, device):
    """The inverse of saving a tuned head: head tensors, adapters (scale unfolded), layer norms."""
    with torch.no_grad():
        h = model.head
        h.proj_w.copy_(t["proj.w"].float()); h.proj_b.copy_(t["proj.b"].float())
        h.out_w.copy_(t["out.w"].float()); h.out_b.copy_(t["out.b"].float())
        for i in range(h.layers):
            h.ctx_w[i].copy_(t[f"ctx{i}.w"].float()); h.ctx_b[i].copy_(t[f"ctx{i}.b"].float())
        b = model.bert
        for name, m in b.lins.items():
            if m.r > 0:
                key = f"encoder.{b.lin_names[name]}.weight"
                m.a.copy_(t[key + ".lora_a"].float())
                m.b.copy_(t[key + ".lora_b"].float() / m.scale)
        for n in b.ln_names:
            ln = b.norms[n.replace(".", "_")]
            ln.weight.copy_(t[f"encoder.{n}.weight"].float()); ln.bias.copy_(t[f"encoder.{n}.bias"].float())
    model.to(device)


# ---------------------------------------------------------------- head


class Head(nn.Module):
    """crates/learn/src/model.rs Head: proj, residual dilated context layers, out."""

    def __init__(self, width, layers, dropout, seed):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)

        def w(i, o):
            return nn.Parameter((torch.rand((i, o), generator=gen) * 2 - 1) / math.sqrt(i))

        self.proj_w, self.proj_b = w(width, HIDDEN), nn.Parameter(torch.zeros(HIDDEN))
        self.ctx_w = nn.ParameterList([w(3 * HIDDEN, HIDDEN) for _ in range(layers)])
        self.ctx_b = nn.ParameterList([nn.Parameter(torch.zeros(HIDDEN)) for _ in range(layers)])
        self.out_w, self.out_b = w(HIDDEN, NLABELS), nn.Parameter(torch.zeros(NLABELS))
        self.drop = nn.Dropout(dropout)
        self.layers = layers

    def forward(self, x, tmask):
        m = tmask.unsqueeze(-1)
        x = self.drop(x)
        # Padding rows stay zero, as outside a document in Rust's shift.
        h = self.drop(F.gelu(x @ self.proj_w + self.proj_b, approximate="tanh")) * m
        for i in range(self.layers):
            d = 1 << i
            prev = F.pad(h, (0, 0, d, 0))[:, : h.shape[1]]
            nxt = F.pad(h, (0, 0, 0, d))[:, d:]
            ctx = torch.cat([prev, h, nxt], -1)
            upd = self.drop(F.gelu(ctx @ self.ctx_w[i] + self.ctx_b[i], approximate="tanh"))
            h = (h + upd) * m
        return h @ self.out_w + self.out_b

    def tensors(self):
        out = {"proj.w": self.proj_w, "proj.b": self.proj_b, "out.w": self.out_w, "out.b": self.out_b}
        for i in range(self.layers):
            out[f"ctx{i}.w"] = self.ctx_w[i]
            out[f"ctx{i}.b"] = self.ctx_b[i]
        return {k: v.detach().float().contiguous() for k, v in out.items()}


# ---------------------------------------------------------------- scoring


def allowed(frm, to):
    if to == 0 or to % 2 == 1:
        return True
    return frm is not None and (frm == to or frm + 1 == to)


TRANS = torch.tensor([[0.0 if allowed(f, t) else -1e9 for t in range(NLABELS)] for f in range(NLABELS)])
START = torch.tensor([0.0 if allowed(None, t) else -1e9 for t in range(NLABELS)])


def viterbi(logp):
    """crates/learn/src/decode.rs viterbi on a (n, NLABELS) CPU tensor."""
    n = logp.shape[0]
    if n == 0:
        return []
    score = START + logp[0]
    back = []
    for t in range(1, n):
        cand = score.unsqueeze(1) + TRANS  # from x to
        best, arg = cand.max(0)
        back.append(arg)
        score = best + logp[t]
    best = int(score.argmax())
    out = [best]
    for arg in reversed(back):
        best = int(arg[best])
        out.append(best)
    return out[::-1]


def spans(labels, part):
    out, start = [], None
    b, i = 2 * part - 1, 2 * part
    for t, l in enumerate(list(labels) + [0]):
        if start is not None and l != i:
            out.append((start, t))
            start = None
        if l == b:
            start = t
    return out


def span_f1(pred, gold):
    res = []
    for part in (1, 2, 3):
        tp = fp = fn = 0
        for p, g in zip(pred, gold):
            ps, gs = set(spans(p, part)), set(spans(g, part))
            tp += len(ps & gs)
            fp += len(ps - gs)
            fn += len(gs - ps)
        pr = tp / max(tp + fp, 1)
        rc = tp / max(tp + fn, 1)
        res.append(2 * pr * rc / max(pr + rc, 1e-9))
    return res


# ---------------------------------------------------------------- training


def batches(docs, size, rng):
    order = list(range(len(docs)))
    rng.shuffle(order)
    for i in range(0, len(order), size):
        yield [docs[j] for j in order[i : i + size]]


class Tuned(nn.Module):
    def __init__(self, bert, head):
        super().__init__()
        self.bert, self.head = bert, head

    def forward(self, inp):
        hid = self.bert(inp["ids"], inp["mask"])
        flat = hid.reshape(-1, hid.shape[-1])
        pieces = flat[inp["piece_rows"]] if inp["piece_rows"].numel() else flat[:0]
        tok = pool(pieces.float(), inp)
        x = torch.cat([tok, inp["extras"]], -1)
        return self.head(x, inp["tmask"])


class Static(nn.Module):
    """The static head's features: MiniLM's input layer (word + segment 0, layer-normed, no
    position), as crates/embed StaticEmbeddings."""

    def __init__(self, weights, cfg, head):
        super().__init__()
        word = weights["embeddings.word_embeddings.weight"].float()
        seg = weights["embeddings.token_type_embeddings.weight"].float()[0]
        table = F.layer_norm(word + seg, (word.shape[1],), weights["embeddings.LayerNorm.weight"].float(), weights["embeddings.LayerNorm.bias"].float(), cfg["layer_norm_eps"])
        self.register_buffer("table", table)
        self.head = head

    def forward(self, inp):
        pieces = self.table[inp["piece_ids"]]
        tok = pool(pieces, inp)
        x = torch.cat([tok, inp["extras"]], -1)
        return self.head(x, inp["tmask"])


def evaluate(model, docs, device, bs):
    model.eval()
    preds, golds, loss, ntok = [], [], 0.0, 0
    with torch.no_grad():
        for i in range(0, len(docs), bs):
            chunk = docs[i : i + bs]
            inp = batch_inputs(chunk, device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(inp)
            lp = F.log_softmax(logits.float(), -1)
            m = inp["tmask"] > 0
            loss -= lp.gather(-1, inp["labels"].unsqueeze(-1)).squeeze(-1)[m].sum().item()
            ntok += int(m.sum())
            lp = lp.cpu()
            for b, d in enumerate(chunk):
                preds.append(viterbi(lp[b, : d.n_tokens]))
                golds.append(d.labels)
    f = span_f1(preds, golds)
    model.train()
    return loss / max(ntok, 1), f


def train_model(model, params, train, dev, args, device, logf, name, soft=None, stop_at=None, on_best=None):
    """AdamW with warm-up and linear decay; keeps the best epoch by dev mean span F1. Stops
    early (scoring the partial epoch) at the wall-clock time `stop_at`; `on_best` saves."""
    opt = torch.optim.AdamW(params, weight_decay=0.01)
    tensors = [p for g in params for p in g["params"]]
    steps = args.epochs * math.ceil(len(train) / args.batch)
    warm = max(1, steps // 15)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm)))
    rng = random.Random(args.seed)
    best, best_state, step = -1.0, None, 0
    for epoch in range(1, args.epochs + 1):
        t0, total, nb = time.time(), 0.0, 0
        model.train()
        timed = []
        for chunk in batches(train, args.batch, rng):
            if stop_at is not None and time.time() > stop_at:
                log(f"{name}: out of time in epoch {epoch} after {nb} batches", logf)
                break
            ts = time.time()
            inp = batch_inputs(chunk, device)
            with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                logits = model(inp)
            lp = F.log_softmax(logits.float(), -1)
            m = inp["tmask"]
            hard = [d.labels is not None for d in chunk]
            nll = -lp.gather(-1, inp["labels"].unsqueeze(-1)).squeeze(-1)
            if soft is not None and not all(hard):
                # Distillation: unlabelled documents learn the teacher's distribution.
                tgt = torch.zeros_like(lp)
                for b, d in enumerate(chunk):
                    if d.labels is None:
                        tgt[b, : d.n_tokens] = soft[id(d)].to(device)
                kd = -(tgt * lp).sum(-1)
                hm = torch.tensor(hard, device=device, dtype=torch.bool).unsqueeze(-1)
                nll = torch.where(hm, nll, kd)
            loss = (nll * m).sum() / m.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(tensors, 1.0)
            opt.step()
            sched.step()
            step += 1
            total += loss.item()
            nb += 1
            if epoch == 1 and nb <= 3:
                timed.append(f"{time.time() - ts:.3f}")
            if epoch == 1 and nb == 3:
                log(f"{name}: first batches took {', '.join(timed)} s", logf)
        dl, f = evaluate(model, dev, device, args.batch * 2)
        mean = sum(f) / 3
        log(f"{name} epoch {epoch}: train loss {total / max(nb, 1):.4f}, dev loss {dl:.4f}, dev span F1 source {f[0]:.3f} cue {f[1]:.3f} content {f[2]:.3f} (mean {mean:.3f}), {time.time() - t0:.0f} s", logf)
        if mean > best:
            best = mean
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            if on_best is not None:
                on_best()
        if stop_at is not None and time.time() > stop_at:
            break
    model.load_state_dict(best_state)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="directory with train.jsonl, dev.jsonl [, unlabeled.jsonl] from onrecord-learn export")
    ap.add_argument("--model", required=True, help="MiniLM directory (config.json, model.safetensors; f16 is fine)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--alpha", type=float, default=32)
    ap.add_argument("--lr", type=float, default=5e-4, help="encoder adapters and layer norms")
    ap.add_argument("--head-lr", type=float, default=2e-3)
    ap.add_argument("--layers", type=int, default=3, help="context layers of the tuned head")
    ap.add_argument("--dropout", type=float, default=0.1, help="head dropout")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--max-docs", type=int, default=None, help="smoke test: this many documents per file")
    ap.add_argument("--distil", action="store_true", help="then train the static head on gold + the tuned model's soft labels")
    ap.add_argument("--static-epochs", type=int, default=20)
    ap.add_argument("--static-lr", type=float, default=3e-3)
    ap.add_argument("--static-dropout", type=float, default=0.2)
    ap.add_argument("--static-layers", type=int, default=6)
    ap.add_argument("--static-batch", type=int, default=16)
    ap.add_argument("--tune-seconds", type=float, default=None, help="wall-clock limit of the tuned phase")
    ap.add_argument("--deadline", type=float, default=None, help="wall-clock limit of the whole run (the distillation stops then)")
    ap.add_argument("--tag", default="", help="suffix for output names (several configs in one run)")
    ap.add_argument("--teacher", default=None, help="a tuned head saved by an earlier run: skip tuning, distil from it")
    ap.add_argument("--no-gold-baseline", action="store_true", help="with --distil, skip the static head trained on gold alone")
    args = ap.parse_args()

    started = time.time()
    torch.manual_seed(args.seed)
    torch.backends.cuda.matmul.allow_tf32 = True
    random.seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    os.makedirs(args.out, exist_ok=True)
    logf = open(os.path.join(args.out, f"train-log-tuned{args.tag}.txt"), "w")
    log("python " + " ".join(sys.argv), logf)
    log(f"torch {torch.__version__}, device {device} {torch.cuda.get_device_name() if device.type == 'cuda' else ''}", logf)

    cfg = json.load(open(os.path.join(args.model, "config.json")))
    weights = load_file(os.path.join(args.model, "model.safetensors"))
    header, train_raw = read_export(os.path.join(args.data, "train.jsonl"), args.max_docs)
    _, dev_raw = read_export(os.path.join(args.data, "dev.jsonl"), args.max_docs)
    train = [Prepared(d, header) for d in train_raw if d["ranges"]]
    dev = [Prepared(d, header) for d in dev_raw if d["ranges"]]
    log(f"{len(train)} train documents ({sum(d.n_tokens for d in train)} tokens), {len(dev)} dev documents", logf)
    width = cfg["hidden_size"] + header["extra"]

    t0 = time.time()
    bert = Bert(cfg, weights, args.rank, args.alpha, 0.05, 0.1)
    head = Head(width, args.layers, args.dropout, args.seed)
    model = Tuned(bert, head).to(device)
    enc_params = [p for n, p in model.bert.named_parameters() if p.requires_grad]
    groups = [{"params": enc_params, "lr": args.lr}, {"params": list(model.head.parameters()), "lr": args.head_lr}]
    log(f"tuned: {sum(p.numel() for p in enc_params)} encoder and {sum(p.numel() for p in model.head.parameters())} head parameters trained", logf)
    def save_tuned():
        out = dict(model.head.tensors())
        out.update(model.bert.adapter_tensors())
        save_file({k: v.half() for k, v in out.items()}, os.path.join(args.out, f"attribution-head-tuned{args.tag}.safetensors"))

    if args.teacher:
        load_tuned(model, load_file(args.teacher), device)
        log(f"tuned: loaded from {args.teacher}", logf)
        model.eval()
    else:
        stop = started + args.tune_seconds if args.tune_seconds else None
        best = train_model(model, groups, train, dev, args, device, logf, "tuned", stop_at=stop, on_best=save_tuned)
        log(f"tuned: best dev mean span F1 {best:.3f}, {time.time() - t0:.0f} s", logf)
        model.eval()
        save_tuned()

    # A check for the Rust loader: log-probabilities of the first dev document in f32 from
    # the f16 weights just saved (the Rust side must reproduce them).
    if dev:
        with torch.no_grad():
            model.float()
            inp = batch_inputs(dev[:1], device)
            lp = F.log_softmax(model(inp).float(), -1)[0, : dev[0].n_tokens].cpu()
        json.dump({"id": dev_raw[0]["id"], "log_probs": lp.tolist()}, open(os.path.join(args.out, f"check-tuned{args.tag}.json"), "w"))

    if args.distil:
        unl_path = os.path.join(args.data, "unlabeled.jsonl")
        t1 = time.time()
        _, unl_raw = read_export(unl_path, args.max_docs)
        unl = [Prepared(d, header) for d in unl_raw if d["ranges"]]
        soft = {}
        model.eval()
        with torch.no_grad():
            for i in range(0, len(unl), 8):
                chunk = unl[i : i + 8]
                inp = batch_inputs(chunk, device)
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
                    p = F.softmax(model(inp).float(), -1).cpu()
                for b, d in enumerate(chunk):
                    soft[id(d)] = p[b, : d.n_tokens]
        log(f"distil: soft labels for {len(unl)} unlabelled documents, {time.time() - t1:.0f} s", logf)
        del model
        torch.cuda.empty_cache() if device.type == "cuda" else None
        variants = (("gold", train), ("gold+distil", train + unl))
        for variant, docs in variants[1:] if args.no_gold_baseline else variants:
            sargs = argparse.Namespace(**vars(args))
            sargs.epochs = args.static_epochs
            sargs.batch = args.static_batch
            shead = Head(width, args.static_layers, args.static_dropout, args.seed)
            smodel = Static(weights, cfg, shead).to(device)
            t2 = time.time()
            name = "attribution-head-static" + ("-gold" if variant == "gold" else "") + args.tag + ".safetensors"
            save = lambda: save_file({k: v.half() for k, v in shead.tensors().items()}, os.path.join(args.out, name))
            dl = started + args.deadline if args.deadline else None
            if dl is not None and time.time() > dl:
                log(f"static {variant}: no time left", logf)
                continue
            best = train_model(smodel, [{"params": list(shead.parameters()), "lr": args.static_lr}], docs, dev, sargs, device, logf, f"static {variant}", soft, stop_at=dl, on_best=save)
            log(f"static {variant}: best dev mean span F1 {best:.3f}, {time.time() - t2:.0f} s", logf)
            save()
    log(f"done in {time.time() - t0:.0f} s", logf)


if __name__ == "__main__":
    main()
