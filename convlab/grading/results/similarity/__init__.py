"""Evidence of copying for the instructor to review, never an accusation (``make similarity``).

- :mod:`.normalize`: one answer cell as fingerprints of its normalized code, and its oddities;
- :mod:`.evidence`: every pair of one exercise's submissions scored, by sparse products over
  the index, each kind of evidence weighed by its rarity in the class;
- :mod:`.command`: the class from the course's folders, ``similarity.csv``, pairs marked reviewed;
- :mod:`.page`: the class report's section, the side-by-side view.
"""
