"""IndependentMarginals follows the library's random-state policy (`_util.random.RandomStateMixin`)."""

import pandas as pd

from pharmasynth.evaluation import IndependentMarginals


def test_first_sample_after_fit_is_what_a_fresh_model_gives(tables):
    real, _, _ = tables
    model = IndependentMarginals(random_state=5).fit(real)
    first = model.sample(50)
    pd.testing.assert_frame_equal(first, IndependentMarginals(random_state=5).fit(real).sample(50))
    second = model.sample(50)                      # the stream continues: new rows
    assert not first.equals(second)
    pd.testing.assert_frame_equal(model.fit(real).sample(50), first)   # refitting restarts the stream


def test_explicit_random_state_leaves_the_stream_alone(tables):
    real, _, _ = tables
    a = IndependentMarginals(random_state=5).fit(real)
    b = IndependentMarginals(random_state=5).fit(real)
    side = a.sample(30, random_state=11)
    pd.testing.assert_frame_equal(side, b.sample(30, random_state=11))
    pd.testing.assert_frame_equal(a.sample(50), b.sample(50))   # a's stream did not move


def test_none_is_stored_as_given_and_means_fresh_entropy(tables):
    real, _, _ = tables
    model = IndependentMarginals()
    assert model.random_state is None
    assert not model.fit(real).sample(50).equals(IndependentMarginals().fit(real).sample(50))
    assert model.random_state is None
