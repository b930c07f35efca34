"""Volunteer service (志愿服务): reports, their review, and the totals of approved hours."""
