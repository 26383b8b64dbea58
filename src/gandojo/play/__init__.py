"""``gandojo play``: the game, live, in the browser — D's landscape, G's gradients and manifold, mode collapse as it
happens — on the project's own Trainer: the server and its security (:mod:`.app`), one page's session stepping
the trainer phase by phase (:mod:`.session`), what a frame holds (:mod:`.frames`), and the page (``static/``)."""
