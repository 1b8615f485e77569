"""Fixtures the grants tests share: one user per role."""

import pytest

from grants import roles
from tests.factories import UserFactory


@pytest.fixture
def operator():
    return UserFactory(role=roles.OPERATOR)


@pytest.fixture
def verifier():
    return UserFactory(role=roles.VERIFIKATOR)


@pytest.fixture
def head():
    return UserFactory(role=roles.PIMPINAN)


@pytest.fixture
def treasurer():
    return UserFactory(role=roles.BENDAHARA)


@pytest.fixture
def observer():
    return UserFactory(role=roles.PENGAMAT)
