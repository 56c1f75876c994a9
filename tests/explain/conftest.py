import sys
from pathlib import Path

# cases.py (the golden explanations) is imported by name from this folder.
sys.path.insert(0, str(Path(__file__).parent))
