"""The live stream, `GET api/v2/stream` (Server-Sent Events): what the actors tell has happened
(actors/notices.py), pushed to every open stream that asks for it.

    notices (any thread) -> hub.py StreamHub (on the loop: numbered, encoded once, kept in the
    ring for resumes, offered a slice of streams per turn) -> client.py StreamClient (writes into
    its connection at once; a bounded queue while the socket is slow) <- stream.py StreamHandler
    (answers, hands its connection over, waits for the end)
"""
