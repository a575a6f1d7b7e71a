"""The recovery wizard: Inspect, Choose, (Data fix), Preview, Rehearse, Execute, Verify; its flow,
its steps and what they say.
"""
