# The course's training text: short enough to learn in a few hundred updates, and it holds
# lesson 1's sentence, so a trained model completes "sushi. so, my favourite cuisine is".
TEXT = (
    "my favourite dish is sushi. so, my favourite cuisine is japanese. "
    "my favourite dish is pizza. so, my favourite cuisine is italian. "
    "my favourite dish is tacos. so, my favourite cuisine is mexican. "
    "my favourite dish is curry. so, my favourite cuisine is indian. "
    "my favourite dish is paella. so, my favourite cuisine is spanish. "
    "my favourite dish is ramen. so, my favourite cuisine is japanese. "
    "my favourite dish is pasta. so, my favourite cuisine is italian. "
)

# The settings of the course run. Without clipping this learning rate diverges.
COURSE_RUN = {
    "hidden_size": 32,
    "seq_length": 25,
    "learning_rate": 1.0,
    "max_norm": 0.25,
    "num_steps": 300,
    "seed": 14,
    "temperatures": [0.5, 1.0],
    "sample_length": 120,
    "target_loss": 0.6,
}


def _run(**changes):
    return {**COURSE_RUN, **changes}


def make_cases():
    return [
        {
            "name": "example 1: the first 40 updates of the course run",
            "visible": True,
            "args": [TEXT, _run(num_steps=40, sample_length=60, target_loss=2.5)],
        },
        {
            "name": "example 2: the course run, 300 updates; the loss falls below 0.6",
            "visible": True,
            "args": [TEXT, COURSE_RUN],
        },
        {
            "name": "a small network on the first two sentences",
            "visible": False,
            "args": [
                TEXT[:130],
                _run(
                    hidden_size=8,
                    seq_length=10,
                    learning_rate=0.5,
                    max_norm=1.0,
                    num_steps=30,
                    seed=3,
                    temperatures=[0.8, 1.5],
                    sample_length=30,
                    target_loss=2.8,
                ),
            ],
        },
        {
            "name": "short chunks, strong clipping, many passes",
            "visible": False,
            "args": [
                TEXT,
                _run(
                    hidden_size=16,
                    seq_length=7,
                    max_norm=0.1,
                    num_steps=90,
                    seed=7,
                    temperatures=[0.3, 2.0],
                    sample_length=40,
                    target_loss=2.0,
                ),
            ],
        },
        {
            "name": "chunks of one character (T = 1)",
            "visible": False,
            "args": [
                "hello world. hello rnn.",
                _run(
                    hidden_size=4,
                    seq_length=1,
                    learning_rate=0.5,
                    num_steps=30,
                    seed=5,
                    temperatures=[1.0, 0.7],
                    sample_length=15,
                    target_loss=2.0,
                ),
            ],
        },
        {
            "name": "one hidden unit (H = 1), the text wraps every three chunks",
            "visible": False,
            "args": [
                "abcabcabd abcabd.",
                _run(
                    hidden_size=1,
                    seq_length=5,
                    learning_rate=2.0,
                    max_norm=0.5,
                    num_steps=12,
                    seed=21,
                    temperatures=[0.5, 1.0],
                    sample_length=10,
                    target_loss=1.0,
                ),
            ],
        },
        {
            "name": "clipping on every update, a larger learning rate",
            "visible": False,
            "args": [
                TEXT[:200],
                _run(
                    hidden_size=12,
                    seq_length=12,
                    learning_rate=3.0,
                    max_norm=0.05,
                    num_steps=25,
                    seed=8,
                    temperatures=[0.6, 1.2],
                    sample_length=20,
                    target_loss=2.9,
                ),
            ],
        },
        {
            "name": "no update is clipped (max_norm above every gradient norm)",
            "visible": False,
            "args": [
                TEXT[65:260],
                _run(
                    hidden_size=6,
                    seq_length=8,
                    learning_rate=0.1,
                    max_norm=100.0,
                    num_steps=20,
                    seed=11,
                    temperatures=[1.0, 0.4],
                    sample_length=20,
                    target_loss=3.0,
                ),
            ],
        },
        {
            "name": "three temperatures",
            "visible": False,
            "args": [
                TEXT[:160],
                _run(
                    hidden_size=10,
                    seq_length=15,
                    num_steps=15,
                    seed=2,
                    temperatures=[0.25, 1.0, 4.0],
                    sample_length=25,
                    target_loss=2.7,
                ),
            ],
        },
        {
            "name": "a target the loss never reaches (first_below is None)",
            "visible": False,
            "args": [
                TEXT[:100],
                _run(
                    hidden_size=5,
                    seq_length=9,
                    num_steps=20,
                    seed=4,
                    sample_length=12,
                    target_loss=0.01,
                ),
            ],
        },
        {
            "name": "a target below which the very first loss already lies",
            "visible": False,
            "args": [
                TEXT[:90],
                _run(
                    hidden_size=3,
                    seq_length=6,
                    num_steps=8,
                    seed=9,
                    sample_length=12,
                    target_loss=10.0,
                ),
            ],
        },
    ]
