"""The live stream, `GET api/v2/stream` (Server-Sent Events): what the actors tell has happened
(actors/notices.py), pushed to every open stream that asks for it.

    notices (any thread) -> hub.py StreamHub (the loop: numbered, encoded once, kept for resumes)
        -> client.py StreamClient (a bounded queue per stream) -> stream.py StreamHandler (writes)
"""
