"""Run inside the environment: dlenv exec quickstart -- python3 hello.py"""
import os

import numpy as np

print(os.environ.get("PROJECT_GREETING", "hello"), "- numpy", np.__version__)
