from pharmasynth.cli import main

SMI = ["CC(=O)Oc1ccccc1C(=O)O", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
       "Clc1ccc(Br)cc1", "CC(=O)Nc1ccc(O)cc1", "COc1ccc2[nH]cc(CCN)c2c1", "FC(F)(F)c1ccccc1", "CCN(CC)CC"] * 8


def test_train_sample_round_trip(tmp_path, capsys):
    f = tmp_path / "train.smi"
    f.write_text("\n".join(SMI) + "\n")
    vae = tmp_path / "vae"
    args = ["molgen", "train", str(f), "--out", str(vae), "--epochs", "1", "--latent-dim", "8",
            "--hidden-dim", "32", "--max-length", "60", "--batch-size", "16"]
    assert main(args) == 0
    assert (vae / "config.json").is_file() and (vae / "checkpoints" / "vae_checkpoint.pt").is_file()
    assert main(args[:6] + ["2"] + args[7:] + ["--resume"]) == 0  # one more epoch from the checkpoint
    out = tmp_path / "gen.smi"
    assert main(["molgen", "sample", str(vae), "--n", "7", "--out", str(out), "--seed", "1"]) == 0
    first = out.read_text()
    assert len(first.splitlines()) == 7
    assert main(["molgen", "sample", str(vae), "--n", "7", "--out", str(out), "--seed", "1"]) == 0
    assert out.read_text() == first
    ldm = tmp_path / "ldm"
    # an untrained-size VAE decodes nothing valid: decoded labels are refused with advice ...
    assert main(["molgen", "train", str(f), "--model", "diffusion", "--vae", str(vae), "--out", str(ldm),
                 "--epochs", "2"]) == 1
    assert "labels='input'" in capsys.readouterr().err and not (ldm / "model.safetensors").exists()
    # ... and the input molecules' own properties work
    assert main(["molgen", "train", str(f), "--model", "diffusion", "--vae", str(vae), "--out", str(ldm),
                 "--epochs", "2", "--labels", "input"]) == 0
    csv = tmp_path / "hits.csv"
    assert main(["molgen", "sample", str(ldm), "--n", "5", "--conditions", "qed=0.7", "logp=2",
                 "--steps", "5", "--out", str(csv)]) == 0
    assert csv.read_text().splitlines()[0] == "smiles" and len(csv.read_text().splitlines()) == 6
    assert main(["molgen", "sample", str(vae), "--n", "3", "--condition", "qed=0.7", "--out", str(csv)]) == 1
    assert main(["molgen", "sample", str(tmp_path), "--n", "3", "--out", str(csv)]) == 1
    assert "needs a LatentDiffusion" in capsys.readouterr().err


def test_sample_from_the_shipped_priors(tmp_path, capsys):
    out = tmp_path / "gen.smi"
    assert main(["molgen", "sample", "--pretrained", "moses-smiles", "--n", "12", "--seed", "0", "--out", str(out)]) == 0
    first = out.read_text()
    assert len(first.splitlines()) == 12
    assert main(["molgen", "sample", "--pretrained", "moses-smiles", "--n", "12", "--seed", "0", "--out", str(out)]) == 0
    assert out.read_text() == first
    hits = tmp_path / "hits.csv"
    assert main(["molgen", "sample", "--pretrained", "moses-smiles", "--n", "6", "--condition", "qed=0.8",
                 "logp=2.5", "--steps", "5", "--out", str(hits)]) == 0
    assert len(hits.read_text().splitlines()) == 7
    assert main(["molgen", "sample", "--pretrained", "moses-smile", "--n", "2", "--out", str(out)]) == 1
    assert "shipped: moses-selfies, moses-smiles" in capsys.readouterr().err
    assert main(["molgen", "sample", "--n", "2", "--out", str(out)]) == 1  # neither a folder nor --pretrained


def test_fine_tune_from_a_prior(tmp_path, capsys):
    f = tmp_path / "series.smi"
    f.write_text("\n".join(SMI[:8]) + "\n")
    out = tmp_path / "tuned"
    assert main(["molgen", "train", "--init", "moses-smiles", str(f), "--epochs", "1", "--out", str(out)]) == 0
    assert "fine-tuned from moses-smiles" in capsys.readouterr().out
    assert main(["molgen", "sample", str(out), "--n", "4", "--out", str(tmp_path / "g.smi")]) == 0
    f.write_text("CC[Se]C\nCCO\n")
    assert main(["molgen", "train", "--init", "moses-smiles", str(f), "--epochs", "1", "--out", str(out)]) == 1
    assert "'CC[Se]C' with token '[Se]'" in capsys.readouterr().err
