"""A training run on disk: the run folder (:mod:`.folder`), its checkpoints (:mod:`.checkpoint`), the hooks
around the loop (:mod:`.hooks`), the progress display and metrics log (:mod:`.progress`), and the runner that
starts, resumes and stops a run (:mod:`.runner`)."""
