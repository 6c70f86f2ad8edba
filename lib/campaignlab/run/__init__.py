"""Running the suite: parameters session, papermill runner, command line, summary schema, the HTML index. The
only layer that knows about processes.
"""
