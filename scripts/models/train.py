#!/usr/bin/env python3
"""Train, export and document healthchain's shipped diagnostic models.

    pip install -r scripts/models/requirements.txt
    python scripts/models/train.py            # writes models/ at the repository root

Two models, both trained reproducibly (fixed seeds, one BLAS thread) on data sets that ship
inside scikit-learn, so nothing is downloaded:

1. breast-cancer-mlp: an MLP classifier (30 -> 16 ReLU -> 1 logistic) on the Wisconsin
   Diagnostic Breast Cancer data. The StandardScaler is folded into the first layer, and the
   logistic output is written as Sigmoid([-z, z]) = [P(benign), P(malignant)].
2. diabetes-regression: a ridge regression on scikit-learn's diabetes data (raw, unscaled
   clinical units), with its scaler folded into the weights.

Each graph is written by hand with onnx.helper (opset 17, IR version 8) using only MatMul,
Add, Relu and Sigmoid: no ZipMap, no ai.onnx.ml operators, nothing tract-onnx cannot run.
Each export is checked against scikit-learn's own predictions with onnxruntime
(max abs diff < 1e-5) before anything is written. The script also writes each model's card,
its held-out set with onnxruntime's outputs, and example patients as FHIR R4 Bundles.
"""

import os

# One BLAS thread, so that training is bit-for-bit reproducible on a given machine.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import sklearn  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_diabetes  # noqa: E402
from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.metrics import (  # noqa: E402
    accuracy_score,
    confusion_matrix,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = 42
OPSET = 17
IR_VERSION = 8  # the IR version that goes with opset 17 (ONNX 1.12)
TRACT_VERSION = "0.23.9"
FIXED_POINT_SCALE = 1_000_000
CARD_SCHEMA = "healthchain-model-card/1"
MAX_EXPORT_DIFF = 1e-5
PROGRESSION_UNIT = 100.0  # the diabetes model's output is progression in hundreds

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
WDBC_SYSTEM = "https://healthchain.example/fhir/CodeSystem/wdbc"
DIABETES_SYSTEM = "https://healthchain.example/fhir/CodeSystem/diabetes"

# --- feature definitions ----------------------------------------------------------------

WDBC_MEASURES = [
    ("radius", "mean distance from the nucleus centre to points on its perimeter", "image length units"),
    ("texture", "standard deviation of grey-scale values", "grey levels"),
    ("perimeter", "nucleus perimeter", "image length units"),
    ("area", "nucleus area", "image area units"),
    ("smoothness", "local variation in radius lengths", "1"),
    ("compactness", "perimeter^2 / area - 1.0", "1"),
    ("concavity", "severity of concave portions of the contour", "1"),
    ("concave-points", "number of concave portions of the contour", "1"),
    ("symmetry", "symmetry of the nucleus", "1"),
    ("fractal-dimension", "coastline approximation - 1", "1"),
]
WDBC_STATS = [
    ("mean", "mean over the nuclei in the image", "mean "),
    ("se", "standard error over the nuclei in the image", " error"),
    ("worst", "mean of the three largest values in the image", "worst "),
]


def wdbc_features(feature_names):
    """The 30 WDBC features in scikit-learn's column order, with their project codes."""
    features = []
    for stat, stat_text, _ in WDBC_STATS:
        for measure, text, unit in WDBC_MEASURES:
            features.append(
                {
                    "name": f"{measure}-{stat}",
                    "description": f"{text}; {stat_text}",
                    "unit": unit,
                    "ucum": "1" if unit == "1" else None,
                    "coding": {"system": WDBC_SYSTEM, "code": f"{measure}-{stat}",
                               "display": f"Cell nuclei {measure.replace('-', ' ')}, {stat_text}"},
                    "category": "laboratory",
                }
            )
    # Check the order against the data set's own column names.
    for feature, column in zip(features, feature_names):
        measure, stat = feature["name"].rsplit("-", 1)
        words = measure.replace("-", " ")
        expected = {"mean": f"mean {words}", "se": f"{words} error", "worst": f"worst {words}"}[stat]
        assert column == expected, (column, expected)
    return features


DIABETES_FEATURES = [
    # (column, name, description, unit, ucum, coding, category)
    ("age", "age", "age at baseline", "years", "a",
     {"system": LOINC, "code": "30525-0", "display": "Age"}, "survey"),
    ("sex", "sex", "sex as coded by the data set (1 or 2; which is which is not documented)", "1", "1",
     {"system": DIABETES_SYSTEM, "code": "sex", "display": "Sex as coded 1 or 2 in the diabetes data set"},
     "survey"),
    ("bmi", "bmi", "body mass index", "kg/m2", "kg/m2",
     {"system": LOINC, "code": "39156-5", "display": "Body mass index (BMI) [Ratio]"}, "vital-signs"),
    ("bp", "mean-blood-pressure", "average blood pressure", "mm[Hg]", "mm[Hg]",
     {"system": LOINC, "code": "8478-0", "display": "Mean blood pressure"}, "vital-signs"),
    ("s1", "total-cholesterol", "total serum cholesterol", "mg/dL", "mg/dL",
     {"system": LOINC, "code": "2093-3", "display": "Cholesterol [Mass/volume] in Serum or Plasma"},
     "laboratory"),
    ("s2", "ldl-cholesterol", "low-density lipoproteins", "mg/dL", "mg/dL",
     {"system": LOINC, "code": "2089-1", "display": "Cholesterol in LDL [Mass/volume] in Serum or Plasma"},
     "laboratory"),
    ("s3", "hdl-cholesterol", "high-density lipoproteins", "mg/dL", "mg/dL",
     {"system": LOINC, "code": "2085-9", "display": "Cholesterol in HDL [Mass/volume] in Serum or Plasma"},
     "laboratory"),
    ("s4", "cholesterol-hdl-ratio", "total cholesterol / HDL", "{ratio}", "{ratio}",
     {"system": LOINC, "code": "9830-1",
      "display": "Cholesterol.total/Cholesterol in HDL [Mass Ratio] in Serum or Plasma"},
     "laboratory"),
    ("s5", "log-triglycerides", "natural logarithm of serum triglycerides (mg/dL), as the data set "
     "describes it ('possibly log of serum triglycerides level')", "1", "1",
     {"system": DIABETES_SYSTEM, "code": "log-triglycerides",
      "display": "Natural logarithm of serum triglycerides in mg/dL"}, "laboratory"),
    ("s6", "glucose", "blood sugar level", "mg/dL", "mg/dL",
     {"system": LOINC, "code": "2345-7", "display": "Glucose [Mass/volume] in Serum or Plasma"},
     "laboratory"),
]


def diabetes_features(feature_names):
    assert [c for c, *_ in DIABETES_FEATURES] == list(feature_names)
    return [
        {"name": name, "description": desc, "unit": unit, "ucum": ucum, "coding": coding,
         "category": category}
        for _, name, desc, unit, ucum, coding, category in DIABETES_FEATURES
    ]


# --- ONNX export ------------------------------------------------------------------------


def fold_scaler(scaler, weights, bias):
    """Weights and bias that apply `scaler` and then `x @ weights + bias` in one affine map."""
    w = weights / scaler.scale_[:, None]
    b = bias - (scaler.mean_ / scaler.scale_) @ weights
    return w, b


def make_graph(name, doc, n_inputs, layers, output_name, n_outputs):
    """An ONNX model of dense `layers` [(weights, bias, activation or None)], float32."""
    nodes, initializers = [], []
    current = "input"
    for i, (w, b, activation) in enumerate(layers):
        w_name, b_name = f"layer{i}.weight", f"layer{i}.bias"
        initializers.append(numpy_helper.from_array(np.asarray(w, dtype=np.float32), w_name))
        initializers.append(numpy_helper.from_array(np.asarray(b, dtype=np.float32), b_name))
        last = i == len(layers) - 1
        mm, add = f"layer{i}.matmul", f"layer{i}.add"
        nodes.append(helper.make_node("MatMul", [current, w_name], [mm], name=mm))
        add_out = output_name if last and activation is None else add
        nodes.append(helper.make_node("Add", [mm, b_name], [add_out], name=add))
        current = add_out
        if activation is not None:
            act_out = output_name if last else f"layer{i}.{activation.lower()}"
            nodes.append(helper.make_node(activation, [current], [act_out], name=f"layer{i}.{activation.lower()}"))
            current = act_out
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, n_inputs])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [1, n_outputs])],
        initializer=initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="healthchain scripts/models/train.py",
        producer_version="1",
        doc_string=doc,
    )
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def run_onnx(model_bytes, x):
    """Runs the model one case at a time (its batch dimension is 1), returns float32 outputs."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    return np.vstack([session.run(None, {"input": row[None, :].astype(np.float32)})[0] for row in x])


def hashes(data):
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "blake2_256": hashlib.blake2b(data, digest_size=32).hexdigest(),
        "size_bytes": len(data),
    }


def ops_of(model):
    return sorted({node.op_type for node in model.graph.node})


def card_features(features, x_all):
    out = []
    for i, f in enumerate(features):
        entry = {
            "index": i,
            "name": f["name"],
            "description": f["description"],
            "unit": f["unit"],
        }
        if f["ucum"] is not None:
            entry["ucum"] = f["ucum"]
        entry["fhir"] = {"resourceType": "Observation", "code": f["coding"], "value": "valueQuantity.value"}
        entry["expected_range"] = {"min": float(x_all[:, i].min()), "max": float(x_all[:, i].max())}
        out.append(entry)
    return out


def r6(x):
    return round(float(x), 6)


# --- model 1: breast cancer -------------------------------------------------------------

MLP_ALPHAS = [1e-3, 1e-2, 1e-1, 1.0]


def mlp_classifier(alpha):
    return MLPClassifier(
        hidden_layer_sizes=(16,),
        activation="relu",
        solver="adam",
        alpha=alpha,
        max_iter=1000,
        random_state=SEED,
    )


def choose_alpha(x_train, y_train):
    """The L2 penalty with the best 5-fold cross-validated ROC AUC on the training split."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    scores = {
        alpha: float(cross_val_score(make_pipeline(StandardScaler(), mlp_classifier(alpha)), x_train, y_train,
                                     cv=folds, scoring="roc_auc").mean())
        for alpha in MLP_ALPHAS
    }
    best = max(MLP_ALPHAS, key=lambda a: (scores[a], a))
    print(f"breast-cancer-mlp: 5-fold CV ROC AUC by alpha {scores}, chose {best}")
    return best, scores[best]



def train_breast_cancer():
    data = load_breast_cancer()
    x = data.data
    y = (data.target == 0).astype(int)  # 1 = malignant (the data set codes malignant as 0)
    features = wdbc_features(list(data.feature_names))
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=SEED)
    alpha, cv_auc = choose_alpha(x_train, y_train)
    scaler = StandardScaler().fit(x_train)
    mlp = mlp_classifier(alpha).fit(scaler.transform(x_train), y_train)
    assert list(mlp.classes_) == [0, 1]
    p_sklearn = mlp.predict_proba(scaler.transform(x_test))  # [P(benign), P(malignant)]

    w1, b1 = fold_scaler(scaler, mlp.coefs_[0], mlp.intercepts_[0])
    w2, b2 = mlp.coefs_[1], mlp.intercepts_[1]  # (16, 1), (1,): z = logit of P(malignant)
    # Sigmoid([-z, z]) = [1 - sigmoid(z), sigmoid(z)] = [P(benign), P(malignant)].
    w2x, b2x = np.hstack([-w2, w2]), np.concatenate([-b2, b2])
    model = make_graph(
        "breast_cancer_mlp",
        "Breast mass fine-needle-aspirate classifier: 30 WDBC nucleus features in, "
        "[P(benign), P(malignant)] out. Trained by healthchain scripts/models/train.py.",
        30,
        [(w1, b1, "Relu"), (w2x, b2x, "Sigmoid")],
        "probabilities",
        2,
    )
    model_bytes = model.SerializeToString()
    p_onnx = run_onnx(model_bytes, x_test)
    diff = float(np.abs(p_onnx.astype(np.float64) - p_sklearn).max())
    print(f"breast-cancer-mlp: max |onnxruntime - sklearn| = {diff:.3g}")
    assert diff < MAX_EXPORT_DIFF, diff

    pred = p_onnx.argmax(axis=1)
    tn, fp, fn, tp = confusion_matrix(y_test, pred).ravel()
    metrics = {
        "split": f"stratified 80/20 train/test split (sklearn train_test_split, random_state={SEED})",
        "heldout_cases": int(len(y_test)),
        "heldout_malignant": int(y_test.sum()),
        "accuracy": r6(accuracy_score(y_test, pred)),
        "roc_auc": r6(roc_auc_score(y_test, p_onnx[:, 1])),
        "sensitivity": r6(tp / (tp + fn)),
        "specificity": r6(tn / (tn + fp)),
        "confusion_matrix": {"true_negative": int(tn), "false_positive": int(fp),
                             "false_negative": int(fn), "true_positive": int(tp)},
        "train_accuracy": r6(accuracy_score(y_train, mlp.predict(scaler.transform(x_train)))),
        "max_abs_diff_onnxruntime_vs_sklearn": float(f"{diff:.3g}"),
        "computed_with": "onnxruntime outputs of the exported ONNX file",
    }
    print(f"breast-cancer-mlp: held-out accuracy {metrics['accuracy']}, ROC AUC {metrics['roc_auc']}")
    card = {
        "schema": CARD_SCHEMA,
        "name": "breast-cancer-mlp",
        "version": "1.0.0",
        "description": "Classifies a breast mass as benign or malignant from 30 features of the cell "
        "nuclei in a digitized image of a fine needle aspirate (FNA). A research demonstration "
        "model, not a medical device: its output must not be used for diagnosis.",
        "task": "binary classification",
        "input": {"name": "input", "shape": [1, 30], "dtype": "float32"},
        "input_features": card_features(features, x),
        "output": {
            "name": "probabilities",
            "shape": [1, 2],
            "dtype": "float32",
            "elements": [
                {"index": 0, "meaning": "P(benign)", "min": 0.0, "max": 1.0},
                {"index": 1, "meaning": "P(malignant)", "min": 0.0, "max": 1.0},
            ],
            "class_labels": ["benign", "malignant"],
            "decision": "the class with the larger probability (P(malignant) > 0.5 means malignant)",
        },
        "training_data": {
            "name": "Wisconsin Diagnostic Breast Cancer (WDBC)",
            "source": f"sklearn.datasets.load_breast_cancer (scikit-learn {sklearn.__version__}), from "
            "W.N. Street, W.H. Wolberg and O.L. Mangasarian, University of Wisconsin, 1995",
            "cases": int(len(y)),
            "malignant": int(y.sum()),
            "benign": int(len(y) - y.sum()),
            "features": 30,
            "preprocessing": "StandardScaler fitted on the training split, folded into the first layer",
        },
        "architecture": "MLP 30 -> 16 (ReLU) -> 1 (logistic), exported as Sigmoid([-z, z])",
        "training": {"library": f"scikit-learn {sklearn.__version__}", "estimator": "MLPClassifier",
                     "hidden_layer_sizes": [16], "activation": "relu", "solver": "adam", "alpha": alpha,
                     "alpha_selection": f"5-fold stratified CV ROC AUC on the training split over {MLP_ALPHAS}",
                     "cv_roc_auc": r6(cv_auc), "max_iter": 1000, "random_state": SEED,
                     "iterations": int(mlp.n_iter_)},
        "heldout_metrics": metrics,
    }
    heldout = [
        {"inputs": [float(v) for v in row], "probabilities": [float(p) for p in probs], "label": int(label)}
        for row, probs, label in zip(x_test, p_onnx, y_test)
    ]
    return model, card, heldout, features, data, x, y


# --- model 2: diabetes ------------------------------------------------------------------


def train_diabetes():
    data = load_diabetes(scaled=False)
    # The model predicts progression / 100: a float32 output of ~150 to 350 carries rounding
    # errors above 1e-5 by itself, while values of ~1.5 to 3.5 keep the export exact to 1e-6.
    x, y = data.data, data.target / PROGRESSION_UNIT
    features = diabetes_features(data.feature_names)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=SEED)
    scaler = StandardScaler().fit(x_train)
    ridge = Ridge(alpha=1.0).fit(scaler.transform(x_train), y_train)
    y_sklearn = ridge.predict(scaler.transform(x_test))

    w, b = fold_scaler(scaler, ridge.coef_[:, None], np.array([ridge.intercept_]))
    model = make_graph(
        "diabetes_regression",
        "Predicts a quantitative measure of diabetes progression one year after baseline from ten "
        "baseline variables. Trained by healthchain scripts/models/train.py.",
        10,
        [(w, b, None)],
        "progression",
        1,
    )
    model_bytes = model.SerializeToString()
    y_onnx = run_onnx(model_bytes, x_test)[:, 0]
    diff = float(np.abs(y_onnx.astype(np.float64) - y_sklearn).max())
    print(f"diabetes-regression: max |onnxruntime - sklearn| = {diff:.3g}")
    assert diff < MAX_EXPORT_DIFF, diff

    metrics = {
        "split": f"random 80/20 train/test split (sklearn train_test_split, random_state={SEED})",
        "heldout_cases": int(len(y_test)),
        "units": "mae and rmse in the data set's progression units (model output times 100)",
        "r2": r6(r2_score(y_test, y_onnx)),
        "mae": r6(mean_absolute_error(y_test, y_onnx) * PROGRESSION_UNIT),
        "rmse": r6(root_mean_squared_error(y_test, y_onnx) * PROGRESSION_UNIT),
        "baseline_rmse_predicting_training_mean": r6(
            root_mean_squared_error(y_test, np.full_like(y_test, y_train.mean())) * PROGRESSION_UNIT),
        "train_r2": r6(r2_score(y_train, ridge.predict(scaler.transform(x_train)))),
        "max_abs_diff_onnxruntime_vs_sklearn": float(f"{diff:.3g}"),
        "computed_with": "onnxruntime outputs of the exported ONNX file",
    }
    print(f"diabetes-regression: held-out R2 {metrics['r2']}, MAE {metrics['mae']}, RMSE {metrics['rmse']}")
    card = {
        "schema": CARD_SCHEMA,
        "name": "diabetes-regression",
        "version": "1.0.0",
        "description": "Predicts a quantitative measure of diabetes disease progression one year after "
        "baseline from age, sex, BMI, blood pressure and six serum measurements. A research "
        "demonstration model, not a medical device: its output must not be used for treatment.",
        "task": "regression",
        "input": {"name": "input", "shape": [1, 10], "dtype": "float32"},
        "input_features": card_features(features, x),
        "output": {
            "name": "progression",
            "shape": [1, 1],
            "dtype": "float32",
            "elements": [
                {"index": 0, "meaning": "predicted disease progression one year after baseline, in "
                 "hundreds of the data set's unitless progression scale (1.52 means 152; the data "
                 "ranges from 25 to 346)",
                 "min": float(y.min()), "max": float(y.max())},
            ],
            "class_labels": None,
            "decision": None,
        },
        "training_data": {
            "name": "Diabetes data (Efron, Hastie, Johnstone and Tibshirani, 2004)",
            "source": f"sklearn.datasets.load_diabetes(scaled=False) (scikit-learn {sklearn.__version__})",
            "cases": int(len(y)),
            "features": 10,
            "preprocessing": "StandardScaler fitted on the training split, folded into the weights",
        },
        "architecture": "linear: 10 -> 1",
        "training": {"library": f"scikit-learn {sklearn.__version__}", "estimator": "Ridge", "alpha": 1.0,
                     "target": "progression / 100"},
        "heldout_metrics": metrics,
    }
    heldout = [
        {"inputs": [float(v) for v in row], "prediction": [float(p)], "target": float(t)}
        for row, p, t in zip(x_test, y_onnx, y_test)
    ]
    return model, card, heldout, features, data, x, y


# --- cards, files and example patients --------------------------------------------------


def finish_card(card, model, model_bytes, file_name, tolerance_ppm):
    card["onnx"] = {
        "file": file_name,
        "opset": OPSET,
        "ir_version": IR_VERSION,
        "operators": ops_of(model),
        **hashes(model_bytes),
    }
    card["model_hash"] = card["onnx"]["blake2_256"]
    card["runtime"] = {"engine": "tract-onnx", "version": TRACT_VERSION}
    card["fixed_point"] = {
        "scale": FIXED_POINT_SCALE,
        "type": "i64",
        "rounding": "to nearest, ties away from zero, of the float32 output times the scale",
    }
    card["tolerance_ppm"] = tolerance_ppm
    order = ["schema", "name", "version", "description", "task", "model_hash", "onnx", "runtime", "input",
             "input_features", "output", "fixed_point", "tolerance_ppm", "training_data", "architecture",
             "training", "heldout_metrics"]
    assert set(order) == set(card), set(order) ^ set(card)
    ordered = {key: card[key] for key in order}
    card.clear()
    card.update(ordered)


def fixed(values):
    return [int(np.sign(v) * np.floor(abs(float(v)) * FIXED_POINT_SCALE + 0.5)) for v in values]


def observation(patient_key, patient_ref, feature, value, when):
    code = feature["coding"]
    oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://healthchain.example/examples/{patient_key}/{code['code']}"))
    quantity = {"value": value, "unit": feature["unit"]}
    if feature["ucum"] is not None:
        quantity.update(system=UCUM, code=feature["ucum"])
    return {
        "fullUrl": f"urn:uuid:{oid}",
        "resource": {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": feature["category"]}]}],
            "code": {"coding": [code], "text": feature["description"]},
            "subject": {"reference": patient_ref},
            "effectiveDateTime": when,
            "valueQuantity": quantity,
        },
    }


EXAMPLE_NAMES = [("Alpha", "Example"), ("Bravo", "Example"), ("Charlie", "Example"),
                 ("Delta", "Example"), ("Echo", "Example")]


def example_bundles(bc, db, out_dir):
    """Five synthetic patients; each carries the inputs of both models, taken from held-out cases."""
    _, bc_card, bc_heldout, bc_features, *_ = bc
    _, db_card, db_heldout, db_features, *_ = db
    # Two malignant and three benign breast cases, and the first five diabetes cases.
    malignant = [i for i, c in enumerate(bc_heldout) if c["label"] == 1][:2]
    benign = [i for i, c in enumerate(bc_heldout) if c["label"] == 0][:3]
    bc_cases = [malignant[0], benign[0], malignant[1], benign[1], benign[2]]
    expected = []
    for n, (bc_i, db_i) in enumerate(zip(bc_cases, range(5)), start=1):
        key = f"patient-{n}"
        pid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://healthchain.example/examples/{key}"))
        ref = f"urn:uuid:{pid}"
        given, family = EXAMPLE_NAMES[n - 1]
        when = f"2025-0{n}-1{n}T09:30:00Z"
        patient = {
            "fullUrl": ref,
            "resource": {
                "resourceType": "Patient",
                "id": pid,
                "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                                  "code": "HTEST", "display": "test health data"}]},
                "identifier": [{"system": "https://healthchain.example/fhir/sid/example-patient", "value": key}],
                "active": True,
                "name": [{"use": "official", "family": family, "given": [given],
                          "text": f"{given} {family} (synthetic test patient)"}],
            },
        }
        entries = [patient]
        for feature, value in zip(bc_features, bc_heldout[bc_i]["inputs"]):
            entries.append(observation(key, ref, feature, value, when))
        for feature, value in zip(db_features, db_heldout[db_i]["inputs"]):
            entries.append(observation(key, ref, feature, value, when))
        bundle = {
            "resourceType": "Bundle",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://healthchain.example/examples/{key}/bundle")),
            "meta": {"tag": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                              "code": "HTEST", "display": "test health data"}]},
            "type": "collection",
            "timestamp": when,
            "entry": entries,
        }
        path = out_dir / "examples" / f"{key}.bundle.json"
        path.write_text(json.dumps(bundle, indent=1, ensure_ascii=False) + "\n")
        bc_probs = bc_heldout[bc_i]["probabilities"]
        db_pred = db_heldout[db_i]["prediction"]
        expected.append({
            "bundle": f"{key}.bundle.json",
            "outputs": {
                bc_card["name"]: {"model_hash": bc_card["model_hash"], "output": bc_probs,
                                  "fixed_point": fixed(bc_probs), "heldout_label": bc_heldout[bc_i]["label"]},
                db_card["name"]: {"model_hash": db_card["model_hash"], "output": db_pred,
                                  "fixed_point": fixed(db_pred), "heldout_target": db_heldout[db_i]["target"]},
            },
        })
    (out_dir / "examples" / "expected-outputs.json").write_text(json.dumps(expected, indent=1) + "\n")


def features_from_bundle(bundle, card):
    """Maps a Bundle to a model's input vector using the card alone (as the node does)."""
    by_code = {(f["fhir"]["code"]["system"], f["fhir"]["code"]["code"]): f["index"] for f in card["input_features"]}
    values = [None] * len(card["input_features"])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Observation":
            continue
        for coding in resource["code"]["coding"]:
            index = by_code.get((coding["system"], coding["code"]))
            if index is not None:
                assert values[index] is None, "one Observation per feature"
                values[index] = resource["valueQuantity"]["value"]
    assert all(v is not None for v in values), "every feature present"
    return np.array(values, dtype=np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "models", help="output directory (default: models/)")
    args = parser.parse_args()
    out = args.out
    (out / "testdata").mkdir(parents=True, exist_ok=True)
    (out / "examples").mkdir(parents=True, exist_ok=True)

    bc = train_breast_cancer()
    db = train_diabetes()
    for (model, card, heldout, *_), file_stem, tolerance_ppm, heldout_name in [
        (bc, "breast-cancer-mlp", 1_000, "breast-cancer-heldout.json"),
        (db, "diabetes-regression", 1_000, "diabetes-heldout.json"),
    ]:
        model_bytes = model.SerializeToString()
        (out / f"{file_stem}.onnx").write_bytes(model_bytes)
        finish_card(card, model, model_bytes, f"{file_stem}.onnx", tolerance_ppm)
        card["heldout_file"] = f"testdata/{heldout_name}"
        (out / f"{file_stem}.card.json").write_text(json.dumps(card, indent=1) + "\n")
        (out / "testdata" / heldout_name).write_text(json.dumps(heldout, indent=1) + "\n")
        print(f"{file_stem}: blake2-256 {card['model_hash']}")

    example_bundles(bc, db, out)

    # The bundles must be mappable from the cards alone: map each one back and run it.
    expected = json.loads((out / "examples" / "expected-outputs.json").read_text())
    for item in expected:
        bundle = json.loads((out / "examples" / item["bundle"]).read_text())
        for model, card, *_ in (bc, db):
            x = features_from_bundle(bundle, card)
            got = run_onnx(model.SerializeToString(), x[None, :])[0]
            want = np.array(item["outputs"][card["name"]]["output"], dtype=np.float32)
            assert np.array_equal(got, want), (item["bundle"], card["name"], got, want)
    print(f"wrote {out}: {sorted(str(p.relative_to(out)) for p in out.rglob('*') if p.is_file())}")


if __name__ == "__main__":
    main()
